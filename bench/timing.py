"""What every benchmark here shares: medians, and a table of ratios against a baseline."""

from __future__ import annotations

import os
import resource
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


# Commands run as an installed package runs: with its bytecode cached (pip compiles
# rdflib's at install). PYTHONDONTWRITEBYTECODE in the caller's shell would make every kg
# run compile its modules again (~0.09 s of CPU) while rdflib's stay cached.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def forget_reasoner_answers() -> None:
    """Drop HermiT's answers kg keeps in its cache (kg.reasoner): a build timed after it runs
    the JVM, as the first build of a plan does, not the answer an earlier run kept."""
    import shutil

    from kg import reasoner

    cache = reasoner.cache_dir()
    if cache is not None:
        shutil.rmtree(cache / "answers", ignore_errors=True)


def cpu_seconds(cmd: list[str]) -> float:
    """User and system CPU time of a command and every process it waited for (a JVM too)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, capture_output=True, env=ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cpu_reference(steps: int = 20_000_000) -> float:
    """Seconds a fixed pure-Python loop takes: the machine's speed at this moment. Printed
    beside benchmarks whose targets are absolute seconds: on a shared machine the same loop
    took 1.4 s to 2.6 s within minutes, and a build's time moves with it."""
    start = time.perf_counter()
    total = 0
    for i in range(steps):
        total += i
    return time.perf_counter() - start


def median_time(fn: Callable[[], object], runs: int) -> float:
    return statistics.median(seconds(fn) for _ in range(runs))


def import_rdflib() -> None:
    subprocess.run([sys.executable, "-c", "import rdflib"], check=True)


def report(label: str, times: dict[str, list[float]], targets: dict[str, float] | None = None) -> None:
    """Median, minimum and the ratio of medians to the baseline, one row per case; with
    ``targets``, the ratio each case should stay under and whether it does."""
    base = statistics.median(times[BASELINE])
    targets = targets or {}
    extra = f" {'target':>8} {'met':>4}" if targets else ""
    print(f"{label:44} {'median s':>9} {'min s':>7} {'× baseline':>11}{extra}")
    for name, values in times.items():
        med = statistics.median(values)
        row = f"{name:44} {med:9.3f} {min(values):7.3f} {med / base:11.2f}"
        if name in targets:
            row += f" {'≤' + format(targets[name], 'g') + '×':>8} {'yes' if med / base <= targets[name] else 'NO':>4}"
        print(row)
