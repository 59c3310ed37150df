"""Time `kg build` on the bundled plan against `python -c "import rdflib"`, in the same run.

Machines here are noisy, so runs are interleaved and the ratio of medians is
what to quote. Usage: python bench/bench_build.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KG = Path(sys.executable).with_name("kg")


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    kg = [str(KG)] if KG.exists() else [sys.executable, "-m", "kg"]
    with tempfile.TemporaryDirectory() as out:
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import rdflib' (baseline)": [sys.executable, "-c", "import rdflib"],
            "kg --help": [*kg, "--help"],
            "kg build": [*kg, "build", "-q", "--out", out],
            "kg export --format graphml": [*kg, "export", "--format", "graphml", "-o", f"{out}/g.graphml"],
        }
        timed(cases["kg build"])  # warm the file cache
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, cmd in cases.items():
                times[name].append(timed(cmd))
    base = statistics.median(times["python -c 'import rdflib' (baseline)"])
    print(f"{'command':40} {'median s':>9} {'min s':>7} {'× baseline':>11}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:40} {med:9.3f} {min(values):7.3f} {med / base:11.2f}")


if __name__ == "__main__":
    main()
