"""CPU time of `kg build`, `kg query` and friends on the bundled plan, against
`python -c "import rdflib"` in the same run (user + system time of the whole process and
what it waits for, the reasoner's JVM included).

Machines here are noisy, so runs are interleaved and the ratio of medians is
what to quote. Usage: python bench/bench_build.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import BASELINE, ENV, cpu_seconds, forget_reasoner_answers, report

KG = Path(sys.executable).with_name("kg")


# The ratios issue 10 asks for (CPU time / `import rdflib`).
TARGETS = {"kg query plan (cold)": 1.0, "kg build --skip-checks": 6.0, "kg build": 15.0}


def hermit_alone(full_nt: Path) -> list[str] | None:
    """The java command the gate runs for HermiT (kg.reasoner), on ``full_nt``."""
    from kg import reasoner

    return reasoner.hermit_command(full_nt) if reasoner.java() and reasoner.hermit_classpath() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    kg = [str(KG)] if KG.exists() else [sys.executable, "-m", "kg"]
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as data:
        fresh = f"{out}/fresh"
        subprocess.run([*kg, "build", "-q", "--skip-checks", "--out", data], check=True, env=ENV)
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            BASELINE: [sys.executable, "-c", "import rdflib"],
            "kg --help": [*kg, "--help"],
            "kg query plan (cold)": [*kg, "query", "plan", "--data", data, "--format", "csv"],
            # Into an empty folder each time: a build over its own output re-reads nothing.
            # HermiT's kept answers are dropped before it (see below): the JVM runs, as for
            # a plan not built before.
            "kg build": [*kg, "build", "-q", "--out", fresh],
            "kg build, HermiT's answer kept": [*kg, "build", "-q", "--out", fresh],
            "kg build --skip-checks": [*kg, "build", "-q", "--skip-checks", "--out", fresh],
            "kg build again, nothing changed": [*kg, "build", "-q", "--out", data],
            "kg export --format graphml": [*kg, "export", "--format", "graphml", "-o", f"{out}/g.graphml"],
        }
        cpu_seconds(cases["kg build"])  # warm the file cache (and write HermiT's class-data archive)
        hermit = hermit_alone(Path(data) / "full.nt")
        if hermit:
            # The floor under `kg build` with the gate: the reasoner's JVM by itself, as the gate runs it.
            cases["HermiT's JVM alone on full.nt"] = hermit
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, cmd in cases.items():
                shutil.rmtree(fresh, ignore_errors=True)
                if name == "kg build":
                    forget_reasoner_answers()
                times[name].append(cpu_seconds(cmd))
    print("CPU seconds (user + system) of each command, median of the runs\n")
    report("command", times, TARGETS)


if __name__ == "__main__":
    main()
