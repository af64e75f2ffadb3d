"""``python -m warehouse.rebuilder --home DIR [--lock-fd N]``: the background rebuilder.

Started by :func:`warehouse.live.request_build` (detached, output to ``logs/rebuilder.log``); it
can also be run by hand to bring the live build up to date with a pending request. See
:mod:`warehouse.live`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from warehouse.live import run_rebuilder
from warehouse.settings import Paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m warehouse.rebuilder", description=__doc__)
    ap.add_argument("--home", required=True, help="the warehouse home (IROQA_HOME)")
    ap.add_argument(
        "--lock-fd",
        type=int,
        default=None,
        help="descriptor of rebuild.lock, already locked by the process that started us",
    )
    args = ap.parse_args(argv)
    return run_rebuilder(Paths(Path(args.home)), args.lock_fd)


if __name__ == "__main__":
    sys.exit(main())
