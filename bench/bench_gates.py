"""How long each gate of `kg check` takes on the bundled plan, against `python -c "import rdflib"`.

Usage: python bench/bench_gates.py [--runs N]
"""

from __future__ import annotations

import argparse

from timing import BASELINE, forget_reasoner_answers, import_rdflib, report, seconds

from kg import build, check, rdf, reasoner, resources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ds = build.dataset([resources.default_corpus()])
    ontology = rdf.load_ontology(resources.ontology_file())
    full = rdf.Graph([*ontology, *ds.union()])
    gates = {
        "reasoner (HermiT, JVM start included)": lambda: (
            forget_reasoner_answers(),
            reasoner.reason(full, require=True),
        ),
        "reasoner, HermiT's answer kept": lambda: reasoner.reason(full, require=True),
        "shapes (kg.shacl; SPARQL parts on Oxigraph)": lambda: check.shacl(full),
        "SPARQL checks (pyoxigraph)": lambda: check.sparql_checks(full),
        "all gates (check.run)": lambda: (forget_reasoner_answers(), check.run(ds, ontology, require_reasoner=True)),
    }
    times: dict[str, list[float]] = {BASELINE: []}
    times.update({name: [] for name in gates})
    for _ in range(args.runs):
        times[BASELINE].append(seconds(import_rdflib))
        for name, gate in gates.items():
            times[name].append(seconds(gate))
    report("gate", times)


if __name__ == "__main__":
    main()
