"""Counts per class, per pillar and per document: the summary `kg build` and `kg stats` print."""

from __future__ import annotations

from rdflib import RDF, RDFS, Dataset, Graph, Literal

from kg.graph import ONT
from kg.table import render

CLASSES = (
    "Plan", "Pillar", "StrategicPathStep", "Section", "Task", "Measure", "Goal", "Target", "Guarantee", "Principle",
    "Organization", "Stakeholder", "Technology", "Infrastructure", "DataResource", "Sector", "Platform",
    "System", "Mechanism", "Strategy", "Initiative", "Event", "Facility", "LegalInstrument",
    "Sentence", "Clause",
)  # fmt: skip
PILLAR_CLASSES = (ONT.Foundation, ONT.Domain, ONT.Capability, ONT.Environment)


def _label(g: Graph, node, lang: str) -> str:
    for lit in g.objects(node, RDFS.label):
        if isinstance(lit, Literal) and lit.language == lang:
            return str(lit)
    return ""


def _ordinal(g: Graph, node) -> int:
    value = g.value(node, ONT.ordinal)
    return int(value) if value is not None else 0


def summarize(ds: Dataset, union: Graph | None = None) -> dict:
    """Everything the summary shows, as plain data (also written to summary.json).

    ``union`` is the dataset's merged graph, when the caller has it already.
    """
    from kg import export

    union = union if union is not None else export.union(ds)
    documents = []
    for g in sorted((g for g in ds.graphs() if len(g)), key=lambda g: str(g.identifier)):
        plan = next(iter(sorted(g.subjects(RDF.type, ONT.Plan))), None)
        documents.append(
            {
                "graph": str(g.identifier),
                "plan_zh": _label(g, plan, "zh") if plan else "",
                "plan_en": _label(g, plan, "en") if plan else "",
                "triples": len(g),
                "tasks": len(set(g.subjects(RDF.type, ONT.Task))),
                "measures": len(set(g.subjects(RDF.type, ONT.Measure))),
                "goals": len(set(g.subjects(RDF.type, ONT.Goal))),
                "guarantees": len(set(g.subjects(RDF.type, ONT.Guarantee))),
            }
        )
    classes = {}
    for name in CLASSES:
        if name == "Pillar":
            n = len({p for c in PILLAR_CLASSES for p in union.subjects(RDF.type, c)})
        else:
            n = len(set(union.subjects(RDF.type, ONT[name])))
        if n:
            classes[name] = n
    entities = {s for s in union.subjects(ONT.labelSource, None) if (s, ONT.origin, None) in union}
    classes["(named entities)"] = len(entities)
    pillars = []
    for cls in PILLAR_CLASSES:
        for pillar in sorted(union.subjects(RDF.type, cls), key=lambda p: _ordinal(union, p)):
            tasks = set(union.objects(pillar, ONT.hasTask))
            measures = {m for t in tasks for m in union.objects(t, ONT.hasMeasure)}
            mentioned = {e for u in tasks | measures for e in union.objects(u, ONT.mentions)}
            pillars.append(
                {
                    "pillar": str(pillar),
                    "group": str(cls).rsplit("#", 1)[-1],
                    "zh": _label(union, pillar, "zh"),
                    "en": _label(union, pillar, "en"),
                    "tasks": len(tasks),
                    "measures": len(measures),
                    "entities": len(mentioned),
                }
            )
    return {"triples": len(union), "documents": documents, "classes": classes, "pillars": pillars}


def format_summary(summary: dict) -> str:
    parts = [
        render(
            ["document", "plan", "triples", "tasks", "measures", "goals", "guarantees"],
            [
                [
                    d["graph"].rsplit("/", 2)[-2],
                    d["plan_zh"] or d["plan_en"],
                    d["triples"],
                    d["tasks"],
                    d["measures"],
                    d["goals"],
                    d["guarantees"],
                ]
                for d in summary["documents"]
            ],
        ),
        "",
        render(["class", "count"], list(summary["classes"].items())),
    ]
    if summary["pillars"]:
        parts += [
            "",
            render(
                ["group", "pillar", "", "tasks", "measures", "entities"],
                [[p["group"], p["zh"], p["en"], p["tasks"], p["measures"], p["entities"]] for p in summary["pillars"]],
            ),
        ]
    return "\n".join(parts)
