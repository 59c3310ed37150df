"""Does reading grow linearly? `kg build --skip-checks`, and `kg build` with the quality
gate, on the bundled plan repeated 1×, 10×, 100×, 158× (4 MB, the size the hardening issue
gives for its 1,000× case, which it asks to build within 60 s and 1 GB) and, with --max
1000, 1,000× (25 MB, which the reader refuses: a report is 4 MiB at most, kg.text.MAX_BYTES):
wall time and peak memory of each run, and the time per copy, which stays flat when the
growth is linear.

Usage: python bench/bench_scale.py [--max N] [--limit SECONDS]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import cpu_reference, forget_reasoner_answers

from kg import resources

KG = str(Path(sys.executable).with_name("kg"))


def run(path: Path, out: Path, limit: float, gate: bool) -> tuple[float, float, str]:
    """(seconds, peak MB, "" or why it did not build) of one build, killed past ``limit``."""
    forget_reasoner_answers()  # the JVM runs, as for a plan not built before
    start = time.perf_counter()
    options = [] if gate else ["--skip-checks"]
    proc = subprocess.Popen([KG, "build", "-q", *options, "--out", str(out), str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    finished = True
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - start > limit:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            finished = False
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    if not finished:
        return seconds, usage.ru_maxrss / 1024, f"stopped after {limit:g} s"
    code = os.waitstatus_to_exitcode(status)
    # Exit 2 is a refusal: kg.text.MAX_BYTES (4 MiB) bounds a report, and 1,000× is 25 MB.
    why = "" if code == 0 else "refused: over the reader's size limit" if code == 2 else f"exit {code}"
    return seconds, usage.ru_maxrss / 1024, why


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max", type=int, default=158, help="the largest repetition (1, 10, 100, 158, 1000)")
    parser.add_argument("--limit", type=float, default=600.0, help="seconds before a run is stopped")
    args = parser.parse_args()
    plan = resources.default_corpus().read_text(encoding="utf-8")
    print(f"CPU reference before (a 20-million-step Python loop): {cpu_reference():.2f} s")
    print(f"{'':20}{'--skip-checks':>31}   {'with the gate':>29}")
    print(f"{'copies':>7} {'MB of text':>10} " + f"{'seconds':>9} {'s per copy':>11} {'peak MB':>8}   " * 2)
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, 10, 100, 158, 1000):
            if n > args.max:
                break
            path = Path(tmp) / f"plan-{n}.txt"
            path.write_text(plan * n, encoding="utf-8")
            row = f"{n:7d} {path.stat().st_size / 1e6:10.2f} "
            for gate in (False, True):
                seconds, peak, why = run(path, Path(tmp) / f"out-{n}-{gate}", args.limit, gate)
                note = f" ({why})" if why else ""
                row += f"{seconds:9.2f} {seconds / n:11.3f} {peak:8.0f}{note}   "
            print(row.rstrip(), flush=True)
    print(f"CPU reference after: {cpu_reference():.2f} s")


if __name__ == "__main__":
    main()
