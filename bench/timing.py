"""What every benchmark here shares: medians, and a table of ratios against a baseline."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

BASELINE = "python -c 'import rdflib' (baseline)"


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_time(fn: Callable[[], object], runs: int) -> float:
    return statistics.median(seconds(fn) for _ in range(runs))


def import_rdflib() -> None:
    subprocess.run([sys.executable, "-c", "import rdflib"], check=True)


def report(label: str, times: dict[str, list[float]]) -> None:
    """Median, minimum and the ratio of medians to the baseline, one row per case."""
    base = statistics.median(times[BASELINE])
    print(f"{label:44} {'median s':>9} {'min s':>7} {'× baseline':>11}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:44} {med:9.3f} {min(values):7.3f} {med / base:11.2f}")
