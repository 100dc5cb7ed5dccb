"""`python -m boom <stage> [arguments]`: run one of boom's stages, e.g. `python -m boom train
--recipe ...` does what `python -m boom.train --recipe ...` does, with input errors as one-line
messages (boom/stage.py). The workflow's rules call it this way so that, during a local Snakemake
run, the stage starts in the fork server's warm process (boom/forkserver.py) instead of
importing torch and friends anew."""

from __future__ import annotations

import sys

from boom import forkserver, stage


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in stage.STAGES:
        got = f"unknown stage {argv[0]!r}" if argv else "no stage given"
        print(f"boom: {got}; usage: python -m boom <stage> [arguments], a stage one of {', '.join(stage.STAGES)}",
              file=sys.stderr)
        return 2
    code = forkserver.run("boom.stage", argv)
    if code is not None:
        return code
    stage.main(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
