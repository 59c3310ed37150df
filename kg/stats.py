"""Counts per class, per pillar and per document: the summary `kg build` and `kg stats` print."""

from __future__ import annotations

from kg import digest
from kg.digest import DOCUMENT_CLASSES as _DOCUMENT_CLASSES
from kg.digest import PILLAR_CLASSES
from kg.rdf import ONT, TYPE, Data, Graph, NamedNode, local_name, sort_key
from kg.table import render

CLASSES = (
    "Plan", "Pillar", "StrategicPathStep", "Section", "Task", "Measure", "Goal", "Target", "Guarantee", "Principle",
    "Organization", "Stakeholder", "Technology", "Infrastructure", "DataResource", "Sector", "Platform",
    "System", "Mechanism", "Strategy", "Initiative", "Event", "Facility", "LegalInstrument",
    "Sentence", "Clause",
)  # fmt: skip


def summarize(data: Data | digest.Parts) -> dict:
    """Everything the summary shows, as plain data (also written to summary.json): from the
    build's kg.digest.Parts, each document's digest and the rest."""
    parts = digest.parts_of(data)
    rest = parts.rest
    documents = []
    for name in sorted((g for g in parts.digests if isinstance(g, NamedNode)), key=sort_key):
        d = parts.digests[name]
        row = d["summary"]
        texts = parts.texts(row["plan"], row["plan_texts"])
        out = {"graph": name.value, "triples": d["triples"]}
        out.update(plan_zh=texts.get("zh", ""), plan_en=texts.get("en", ""))
        out.update({key: row[key] for key in _DOCUMENT_CLASSES.values()})
        documents.append(out)
    classes = {}
    for name in CLASSES:
        if name == "Pillar":
            n = sum(d["pillar_nodes"] for d in parts.digests.values())
            n += len({p for c in PILLAR_CLASSES for p in rest.subjects(TYPE, c)})
        else:
            n = parts.typed(ONT[name]) + len(rest.subjects(TYPE, ONT[name]))
        if n:
            classes[name] = n
    named = sum(d["named"] for d in parts.digests.values())
    classes["(named entities)"] = named + len(set(rest.subjects(ONT.labelSource)) & set(rest.subjects(ONT.origin)))
    pillars = []
    for cls in PILLAR_CLASSES:
        # The framework's pillars are the ontology's individuals: never a document's own node.
        for pillar in sorted(rest.subjects(TYPE, cls), key=lambda p: _ordinal(rest, p)):
            tasks = set(rest.objects(pillar, ONT.hasTask))
            rows = [d["pillars"][pillar.value] for d in parts.digests.values() if pillar.value in d["pillars"]]
            pillars.append(
                {
                    "pillar": pillar.value,
                    "group": local_name(cls),
                    "zh": rest.text(pillar, language="zh"),
                    "en": rest.text(pillar, language="en"),
                    "tasks": len(tasks),
                    "measures": sum(r[0] for r in rows),
                    "entities": len({e for r in rows for e in r[1]}),
                }
            )
    return {"triples": parts.triples(), "documents": documents, "classes": classes, "pillars": pillars}


def _ordinal(g: Graph, node) -> int:
    value = g.value(node, ONT.ordinal)
    return int(value.value) if value is not None else 0


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
