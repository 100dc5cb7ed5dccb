"""Run one of boom's stages, as `python -m boom <stage>` does, in this process or in a fork
server's child: `main(["train", "--recipe", ...])`. A problem in the stage's input (a BoomError:
config, data, model) is printed as its one-line message, without a traceback, and exits 1."""

from __future__ import annotations

import importlib
import sys

from boom.errors import BoomError

STAGES = ("models", "train", "merge", "interaction", "evaluate", "report", "claims", "verify",
          "data.prepare", "data.hub", "data.sampling", "data.card", "data.fetch")


def main(argv: list[str]) -> None:
    stage, rest = argv[0], argv[1:]
    module = f"boom.{stage}"
    sys.argv = [module, *rest]  # argparse names the stage in its messages
    try:
        importlib.import_module(module).main(rest)
    except BoomError as error:
        print(f"{module}: {error}", file=sys.stderr)
        raise SystemExit(1) from None
