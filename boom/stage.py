"""Run one of boom's stages, as `python -m boom <stage>` does, in this process or in a fork
server's child: `main(["train", "--recipe", ...])`. A problem in the stage's input (a BoomError:
config, data, model) is printed as its one-line message, without a traceback, and exits 1."""

from __future__ import annotations

import importlib
import json
import sys

from boom.errors import BoomError

STAGES = ("models", "train", "merge", "interaction", "evaluate", "report", "claims", "budget", "page", "verify",
          "data.prepare", "data.hub", "data.sampling", "data.card", "data.fetch", "data.own_example")


def main(argv: list[str]) -> None:
    stage, rest = argv[0], argv[1:]
    module = f"boom.{stage}"
    sys.argv = [module, *rest]  # argparse names the stage in its messages
    try:
        importlib.import_module(module).main(rest)
    except BoomError as error:
        print(f"{module}: {error}", file=sys.stderr)
        raise SystemExit(1) from None


class ArgumentError(BoomError):
    """A stage argument that cannot be read. Not a ValueError: argparse would turn that into a
    usage screen; this one reaches main() and is printed as its line."""


def json_arg(flag: str, kind: type = dict):
    """An argparse `type=` for a JSON argument of type `kind`: checked when the arguments are
    parsed, before the stage loads a model, with one line naming the flag."""
    def parse(text: str):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            shown = text if len(text) <= 60 else text[:57] + "..."
            raise ArgumentError(f"{flag} takes JSON text, not {shown!r}: pass the JSON itself (for a file: "
                                f"{flag} \"$(cat FILE)\")") from None
        if not isinstance(value, kind):
            raise ArgumentError(f"{flag} must be a JSON {'object' if kind is dict else 'list'}, "
                                f"not {type(value).__name__}")
        return value
    return parse
