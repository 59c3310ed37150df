"""How long each gate of `kg check` takes on the bundled plan, against `python -c "import rdflib"`.

Usage: python bench/bench_gates.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from kg import build, check, export, graph, resources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ds = build.dataset([resources.default_corpus()])
    ontology = graph.load_ontology(resources.ontology_file())
    full = graph.load_ontology(resources.ontology_file())
    for t in export.union(ds):
        full.add(t)
    gates = {
        "reasoner (HermiT, JVM start included)": lambda: check.reason(full, require=True),
        "shapes (pyshacl)": lambda: check.shacl(full),
        "SPARQL checks (pyoxigraph)": lambda: check.sparql_checks(full),
        "all gates (check.run)": lambda: check.run(ds, ontology, require_reasoner=True),
    }
    times: dict[str, list[float]] = {"python -c 'import rdflib' (baseline)": []}
    times.update({name: [] for name in gates})
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import rdflib"], check=True)
        times["python -c 'import rdflib' (baseline)"].append(time.perf_counter() - start)
        for name, gate in gates.items():
            start = time.perf_counter()
            gate()
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["python -c 'import rdflib' (baseline)"])
    print(f"{'gate':40} {'median s':>9} {'min s':>7} {'× baseline':>11}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:40} {med:9.3f} {min(values):7.3f} {med / base:11.2f}")


if __name__ == "__main__":
    main()
