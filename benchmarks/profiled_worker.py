"""``python -m worker`` under cProfile, every thread of it, for ``make bench-e2e`` with ``--profile``.

The worker runs workflow activations on a thread pool and activities on the event loop: a profiler is
started in each thread as it starts (``threading.setprofile``) and in the main one, each timing with the
thread's own CPU clock (``time.thread_time``: a thread waiting on a queue or a socket costs nothing, so the
figures are CPU, not wall time), and their statistics are merged into ``BENCH_PROFILE_OUT`` (pstats)
when the worker stops on SIGTERM, before the hard exit the worker needs (temporalio/sdk-python#300).
"""

from __future__ import annotations

import asyncio
import cProfile
import logging
import os
import pstats
import sys
import threading
import time
from typing import Any

import worker
from runtime.config import settings

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _start_in_thread(frame: Any, event: str, arg: Any) -> None:
    """Called once in each new thread (as its first profile hook): hand the thread its own profiler."""
    profile = cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(profile)
    profile.enable()


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"), format="%(asctime)s %(name)s %(message)s")
    out = os.environ.get("BENCH_PROFILE_OUT", "worker.pstats")
    threading.setprofile(_start_in_thread)
    main_profile = cProfile.Profile(time.thread_time)
    main_profile.enable()
    code = 0
    try:
        asyncio.run(worker.serve(settings()))
    except Exception:
        logging.getLogger("bench").exception("profiled worker failed")
        code = 1
    main_profile.disable()
    with _lock:
        for profile in _profiles:
            profile.disable()
        profiles = [main_profile, *_profiles]
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        try:
            stats.add(profile)
        except (TypeError, ValueError):  # a profiler that never recorded anything
            continue
    stats.dump_stats(out)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
