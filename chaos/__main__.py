"""`make chaos`: ``python -m chaos --profile short|long`` or ``--load N``; one line of figures, exit 1 when
anything was lost, duplicated or stuck, a workflow task failed, the audit chain broke, or a kind of fault
was never inflicted."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from chaos.harness import Profile, load_profile, profile_named, run


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--profile", choices=("short", "long"), default="short")
    parser.add_argument("--load", type=int, metavar="N", help="N requests submitted at once, no faults")
    parser.add_argument("--seed", type=int, help="the population's and the faults' seed (default: random)")
    parser.add_argument("--dir", type=Path, help="where the stack keeps its files (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the directory afterwards")
    parser.add_argument("--verbose", "-v", action="store_true", help="log every fault and restart as it happens")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(message)s")
    for noisy in ("mail.log", "httpx", "smtp-sink"):  # a line per SMTP command, HTTP call, mail stored
        logging.getLogger(noisy).setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _interrupted)  # stop the stack it started, as on Ctrl-C
    profile: Profile = load_profile(args.load) if args.load else profile_named(args.profile)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    directory = args.dir or Path(tempfile.mkdtemp(prefix="chaos-"))
    code = 1
    try:
        report = asyncio.run(run(profile, seed, directory, keep=args.keep))
        for line in report.details():
            print(line)
        print(report.line())
        print(f"(events, per-request traces and logs in {directory})")
        code = 0 if report.ok else 1
    except KeyboardInterrupt:
        print(f"chaos: interrupted (logs in {directory})", file=sys.stderr)
        code = 130
    except Exception as error:  # noqa: BLE001 - say what failed, exit non-zero
        print(f"chaos: the harness itself failed: {type(error).__name__}: {error} (logs in {directory})",
              file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # temporalio/sdk-python#300: no abort at interpreter exit


if __name__ == "__main__":
    main()
