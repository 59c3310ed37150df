"""Time `kg build` on the bundled plan against `python -c "import rdflib"`, in the same run.

Machines here are noisy, so runs are interleaved and the ratio of medians is
what to quote. Usage: python bench/bench_build.py [--runs N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import BASELINE, report, seconds

KG = Path(sys.executable).with_name("kg")


def timed(cmd: list[str]) -> float:
    return seconds(lambda: subprocess.run(cmd, check=True, capture_output=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    kg = [str(KG)] if KG.exists() else [sys.executable, "-m", "kg"]
    with tempfile.TemporaryDirectory() as out:
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            BASELINE: [sys.executable, "-c", "import rdflib"],
            "kg --help": [*kg, "--help"],
            "kg build": [*kg, "build", "-q", "--out", out],
            "kg build --skip-checks": [*kg, "build", "-q", "--skip-checks", "--out", out],
            "kg export --format graphml": [*kg, "export", "--format", "graphml", "-o", f"{out}/g.graphml"],
        }
        timed(cases["kg build"])  # warm the file cache
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, cmd in cases.items():
                times[name].append(timed(cmd))
    report("command", times)


if __name__ == "__main__":
    main()
