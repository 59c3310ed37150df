"""The framework a plan may state ("2522"), read from the ontology into plain data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.namespaces import ONTOLOGY_NS


@dataclass(frozen=True)
class PillarDef:
    name: str  # local name in the ontology
    cls: str  # Foundation, Domain, Capability or Environment
    zh: str
    en: str
    alt_zh: tuple[str, ...]
    ordinal: int


@dataclass(frozen=True)
class GroupDef:
    name: str
    zh: str
    en: tuple[str, ...]
    count: int
    ordinal: int
    members: tuple[PillarDef, ...]


@dataclass(frozen=True)
class FrameworkDef:
    name: str
    zh: str
    en: str
    alt_zh: tuple[str, ...]
    groups: tuple[GroupDef, ...]


def load(path: str | Path) -> tuple[FrameworkDef, ...]:
    """Every framework individual declared in the ontology file, with its groups and pillars
    (from the ontology as kg.rdf reads it, once per process)."""
    from kg.rdf import ONT as ns
    from kg.rdf import RDF, RDFS, SKOS, Literal, load_ontology, sort_key

    g = load_ontology(path)

    def labels(node, prop, lang) -> list[str]:
        return sorted(o.value for o in g.objects(node, prop) if isinstance(o, Literal) and o.language == lang)

    def local(node) -> str:
        return node.value.removeprefix(ONTOLOGY_NS)

    def integer(node, prop) -> int:
        value = g.value(node, prop)
        return int(value.value) if value is not None else 0

    frameworks = []
    for fw in sorted(g.subjects(RDF.type, ns.Framework), key=sort_key):
        groups = []
        for grp in g.objects(fw, ns.hasGroup):
            members = []
            for p in g.objects(grp, ns.hasMember):
                cls = next(
                    (
                        local(c)
                        for c in g.objects(p, RDF.type)
                        if local(c) in {"Foundation", "Domain", "Capability", "Environment"}
                    ),
                    "Pillar",
                )
                members.append(
                    PillarDef(
                        name=local(p),
                        cls=cls,
                        zh=labels(p, RDFS.label, "zh")[0],
                        en=labels(p, RDFS.label, "en")[0],
                        alt_zh=tuple(labels(p, SKOS.altLabel, "zh")),
                        ordinal=integer(p, ns.ordinal),
                    )
                )
            groups.append(
                GroupDef(
                    name=local(grp),
                    zh=labels(grp, RDFS.label, "zh")[0],
                    en=tuple(labels(grp, RDFS.label, "en") + labels(grp, SKOS.altLabel, "en")),
                    count=integer(grp, ns.memberCount),
                    ordinal=integer(grp, ns.ordinal),
                    members=tuple(sorted(members, key=lambda m: m.ordinal)),
                )
            )
        frameworks.append(
            FrameworkDef(
                name=local(fw),
                zh=labels(fw, RDFS.label, "zh")[0],
                en=labels(fw, RDFS.label, "en")[0],
                alt_zh=tuple(labels(fw, SKOS.altLabel, "zh")),
                groups=tuple(sorted(groups, key=lambda x: x.ordinal)),
            )
        )
    return tuple(frameworks)
