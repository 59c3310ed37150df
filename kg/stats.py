"""Counts per class, per pillar and per document: the summary `kg build` and `kg stats` print."""

from __future__ import annotations

from collections import defaultdict

from kg.rdf import ONT, TYPE, Data, Graph, NamedNode, local_name, sort_key
from kg.table import render

CLASSES = (
    "Plan", "Pillar", "StrategicPathStep", "Section", "Task", "Measure", "Goal", "Target", "Guarantee", "Principle",
    "Organization", "Stakeholder", "Technology", "Infrastructure", "DataResource", "Sector", "Platform",
    "System", "Mechanism", "Strategy", "Initiative", "Event", "Facility", "LegalInstrument",
    "Sentence", "Clause",
)  # fmt: skip
PILLAR_CLASSES = (ONT.Foundation, ONT.Domain, ONT.Capability, ONT.Environment)


def _ordinal(g: Graph, node) -> int:
    value = g.value(node, ONT.ordinal)
    return int(value.value) if value is not None else 0


def _count(g: Graph, cls) -> int:
    return len(g.subjects(TYPE, cls))


READ = (TYPE,)  # the predicates _documents reads of each graph
_DOCUMENT_CLASSES = {ONT.Task: "tasks", ONT.Measure: "measures", ONT.Goal: "goals", ONT.Guarantee: "guarantees"}


def _documents(data: Data) -> list[dict]:
    """Per named graph: its plan's titles, its triples and its counts, from its statements
    of rdf:type (Data.by_graph: an index per graph would cost more than the counting)."""
    graphs = data.graphs()
    triples: dict = {}
    members: dict = defaultdict(set)
    for g, found in data.by_graph(READ).items():
        triples[g] = len(graphs[g])
        for q in found.get(TYPE, ()):
            if q.object in _DOCUMENT_CLASSES or q.object == ONT.Plan:
                members[g, q.object].add(q.subject)
    union = data.union()
    out = []
    for name in sorted((g for g in triples if isinstance(g, NamedNode)), key=sort_key):
        plans = sorted(members[name, ONT.Plan], key=sort_key)
        plan = plans[0] if plans else None
        row = {"graph": name.value, "triples": triples[name]}
        row["plan_zh"] = union.text(plan, language="zh") if plan else ""
        row["plan_en"] = union.text(plan, language="en") if plan else ""
        row.update({key: len(members[name, cls]) for cls, key in _DOCUMENT_CLASSES.items()})
        out.append(row)
    return out


def summarize(data: Data) -> dict:
    """Everything the summary shows, as plain data (also written to summary.json)."""
    union = data.union()
    documents = _documents(data)
    classes = {}
    for name in CLASSES:
        if name == "Pillar":
            n = len({p for c in PILLAR_CLASSES for p in union.subjects(TYPE, c)})
        else:
            n = _count(union, ONT[name])
        if n:
            classes[name] = n
    entities = set(union.subjects(ONT.labelSource)) & set(union.subjects(ONT.origin))
    classes["(named entities)"] = len(entities)
    pillars = []
    for cls in PILLAR_CLASSES:
        for pillar in sorted(union.subjects(TYPE, cls), key=lambda p: _ordinal(union, p)):
            tasks = set(union.objects(pillar, ONT.hasTask))
            measures = {m for t in tasks for m in union.objects(t, ONT.hasMeasure)}
            mentioned = {e for u in tasks | measures for e in union.objects(u, ONT.mentions)}
            pillars.append(
                {
                    "pillar": pillar.value,
                    "group": local_name(cls),
                    "zh": union.text(pillar, language="zh"),
                    "en": union.text(pillar, language="en"),
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
