"""Facts to RDF: readable, stable IRIs, bilingual labels, provenance to the sentence.

Each document becomes one named graph. Entities get IRIs from their names alone,
so the same entity named by two documents is one node in the union.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kg import namespaces
from kg.errors import KGError
from kg.facts import DocumentFacts, Entity, Indicator, Relation, Segment, Unit
from kg.framework import FrameworkDef
from kg.namespaces import DEFAULT_BASE
from kg.rdf import DCTERMS, ONT, OWL, PROV, RDF, RDFS, SKOS, XSD, Data, Literal, NamedNode, Quad, local_name

# Characters an IRI may not hold, or that would change its meaning, are escaped.
_IRI_UNSAFE = set(' <>"{}|\\^`%#?/') | {chr(c) for c in range(0x20)}

UNIT_CLASS = {
    "Task": ONT.Task,
    "Measure": ONT.Measure,
    "Goal": ONT.Goal,
    "Target": ONT.Target,
    "Guarantee": ONT.Guarantee,
    "Principle": ONT.Principle,
}


def iri_part(text: str) -> str:
    """Keep a name readable in an IRI (Chinese stays Chinese); escape only what must be."""
    return "".join("".join(f"%{b:02X}" for b in ch.encode()) if ch in _IRI_UNSAFE else ch for ch in text)


def check_base(base: str) -> str:
    if not base.startswith(("http://", "https://", "urn:")) or any(ch in base for ch in ' <>"{}|\\^`'):
        raise KGError(f"--base {base!r}: give an absolute http(s) or urn IRI with no spaces")
    return base if base.endswith(("/", "#", ":")) else base + "/"


class _Builder:
    def __init__(self, base: str, frameworks: Iterable[FrameworkDef]) -> None:
        self.base = base
        self.frameworks = {f.name: f for f in frameworks}

    def entity_iri(self, key: str) -> NamedNode:
        return NamedNode(f"{self.base}entity/{iri_part(key)}")

    def doc_iri(self, facts: DocumentFacts, local: str) -> NamedNode:
        return NamedNode(f"{self.base}{iri_part(facts.slug)}/{local}")

    def graph_iri(self, facts: DocumentFacts) -> NamedNode:
        return self.doc_iri(facts, namespaces.DOCUMENT_GRAPH)

    def triples(self, facts: DocumentFacts) -> list[tuple]:
        t: list[tuple] = []
        add = t.append
        zh_doc = facts.layout != "en"

        def labels(node, zh: str, en: str) -> None:
            if zh:
                add((node, RDFS.label, Literal(zh, language="zh")))
            if en:
                add((node, RDFS.label, Literal(en, language="en")))

        def individual(node, cls) -> None:
            add((node, RDF.type, cls))
            add((node, RDF.type, OWL.NamedIndividual))

        def named(node, zh: str, en: str, zh_place: str, en_place: str) -> None:
            """The text's own labels; where the text names the node nowhere, where it stands."""
            if zh or en:
                labels(node, zh, en)
            else:
                labels(node, zh_place if zh_doc else "", en_place)
                add((node, ONT.labelSource, Literal("structural")))

        def ordered(node, cls, zh: str, en: str, ordinal: int, segment: str) -> None:
            """A numbered part of the plan (path step, section, sub-area), with its provenance."""
            individual(node, cls)
            named(node, zh, en, f"第{ordinal}部分", f"{local_name(cls)} {ordinal}")
            add((node, ONT.ordinal, Literal(ordinal)))
            add((node, PROV.wasDerivedFrom, seg_iri[segment]))

        seg_iri = {sid: self.doc_iri(facts, f"segment/{sid}") for sid in facts.segments}
        source = self.doc_iri(facts, "source")
        name = Path(facts.path).name or facts.slug
        individual(source, ONT.SourceDocument)
        labels(source, f"原文文档 {name}", f"source document {name}")
        add((source, ONT.sha256, Literal(facts.sha256)))
        add((source, ONT.layout, Literal(facts.layout)))
        add((source, ONT.content, Literal(facts.text)))
        add((source, DCTERMS.source, Literal(name)))

        for seg in facts.segments.values():
            self.segment(t, facts, seg, seg_iri, source, zh_doc)

        plan = self.doc_iri(facts, "plan")
        p = facts.plan
        individual(plan, ONT.Plan)
        # A text that never names its plan gets no invented title.
        named(plan, p.title_zh, p.title_en, f"{name} 所报道的规划", f"plan reported in {name}")
        if p.title_zh:
            add((plan, DCTERMS.title, Literal(p.title_zh, language="zh")))
        if p.title_en:
            add((plan, DCTERMS.title, Literal(p.title_en, language="en")))
        if p.alias:
            add((plan, ONT.shortTitle, Literal(p.alias, language="zh" if zh_doc else "en")))
        add((plan, PROV.wasDerivedFrom, seg_iri[p.segment]))
        add((plan, ONT.sourceDocument, source))
        if p.date:
            dtype = XSD.gMonthDay if p.date.startswith("--") else XSD.date
            add((plan, ONT.reportDate, Literal(p.date, datatype=dtype)))
        if p.place:
            add((plan, ONT.reportPlace, Literal(p.place, language="zh")))
        for key in p.issuers:
            add((plan, ONT.issuedBy, self.entity_iri(key)))
        if p.agency:
            add((plan, ONT.reportedBy, self.entity_iri(p.agency)))
        if p.framework:
            add((plan, ONT.hasFramework, ONT[p.framework]))
            add((plan, PROV.wasDerivedFrom, seg_iri[p.framework_segment]))
            self.framework(t, self.frameworks[p.framework])
        for pillar in p.pillars:
            add((plan, ONT.hasPillar, ONT[pillar]))

        for step in facts.path_steps:
            node = self.doc_iri(facts, step.id)
            ordered(node, ONT.StrategicPathStep, step.zh, step.en, step.ordinal, step.segment)
            add((plan, ONT.hasPathStep, node))

        for sec in facts.sections:
            node = self.doc_iri(facts, sec.id)
            ordered(node, ONT.Section, sec.zh, sec.en, sec.ordinal, sec.segment)
            if sec.stated_count:
                add((node, ONT.statedItemCount, Literal(sec.stated_count)))
            add((plan, ONT.hasSection, node))
            if sec.group:
                add((node, ONT.coversGroup, ONT[sec.group]))
            if sec.step:
                add((node, ONT.followsStep, self.doc_iri(facts, sec.step)))

        for unit in facts.units:
            self.unit(t, facts, unit, plan, seg_iri)
        for sub in facts.subareas:
            node = self.doc_iri(facts, sub.id)
            ordered(node, ONT.SubArea, sub.zh, sub.en, sub.ordinal, sub.segment)
            add((self.doc_iri(facts, sub.task), ONT.hasSubArea, node))
        for ind in facts.indicators:
            self.indicator(t, facts, ind, seg_iri, zh_doc)

        for ent in facts.entities.values():
            self.entity(t, ent)
        for number, rel in enumerate(facts.relations, 1):
            self.relation(t, facts, rel, number, seg_iri)
        return t

    def ref(self, facts: DocumentFacts, end: str) -> NamedNode:
        """The node a relation's end names: entity:<key>, unit:<id>, pillar:<name> or plan."""
        kind, _, name = end.partition(":")
        if kind == "entity":
            return self.entity_iri(name)
        if kind == "pillar":
            return ONT[name]
        return self.doc_iri(facts, name if kind == "unit" else "plan")

    def relation(self, t: list, facts: DocumentFacts, rel: Relation, number: int, seg_iri: dict) -> None:
        """The relation itself, and a statement of it that keeps where the text says it."""
        add = t.append
        s, o = self.ref(facts, rel.subject), self.ref(facts, rel.object)
        p = SKOS.exactMatch if rel.predicate == "skos:exactMatch" else ONT[rel.predicate]
        add((s, p, o))
        node = self.doc_iri(facts, f"relation/{number}")
        add((node, RDF.type, ONT.RelationStatement))
        add((node, RDF.type, OWL.NamedIndividual))
        add((node, RDFS.label, Literal(f"关系陈述 {number}", language="zh")))
        add((node, RDFS.label, Literal(f"relation statement {number}", language="en")))
        add((node, ONT.statementSubject, s))
        add((node, ONT.statementProperty, p))
        add((node, ONT.statementObject, o))
        add((node, ONT.extractionRule, Literal(rel.rule)))
        add((node, PROV.wasDerivedFrom, seg_iri[rel.segment]))

    def segment(self, t: list, facts: DocumentFacts, seg: Segment, seg_iri: dict, source, zh_doc: bool) -> None:
        add = t.append
        node = seg_iri[seg.id]
        add((node, RDF.type, ONT.Sentence if seg.kind == "sentence" else ONT.Clause))
        add((node, RDF.type, OWL.NamedIndividual))
        where = f"{seg.paragraph}.{seg.sentence}" + (f" [{seg.start}-{seg.end}]" if seg.kind == "clause" else "")
        add((node, RDFS.label, Literal(f"原文 {where}", language="zh")))
        add((node, RDFS.label, Literal(f"source {where}", language="en")))
        if zh_doc:
            add((node, ONT.zhText, Literal(seg.text, language="zh")))
            if seg.en:
                add((node, ONT.enText, Literal(seg.en, language="en")))
                add((node, ONT.enStartOffset, Literal(seg.en_start)))
                add((node, ONT.enEndOffset, Literal(seg.en_end)))
        else:
            add((node, ONT.enText, Literal(seg.text, language="en")))
        add((node, ONT.paragraph, Literal(seg.paragraph)))
        add((node, ONT.sentenceNumber, Literal(seg.sentence)))
        add((node, ONT.startOffset, Literal(seg.start)))
        add((node, ONT.endOffset, Literal(seg.end)))
        add((node, ONT.sourceDocument, source))
        if seg.cue:
            add((node, ONT.statementCue, Literal(seg.cue)))
        add((node, DCTERMS.isPartOf, seg_iri[seg.parent] if seg.parent else source))

    def unit(self, t: list, facts: DocumentFacts, unit: Unit, plan, seg_iri: dict) -> None:
        add = t.append
        node = self.doc_iri(facts, unit.id)
        add((node, RDF.type, UNIT_CLASS[unit.kind]))
        add((node, RDF.type, OWL.NamedIndividual))
        if unit.zh:
            add((node, RDFS.label, Literal(unit.zh, language="zh")))
        if unit.en:
            add((node, RDFS.label, Literal(unit.en, language="en")))
            add((node, ONT.labelSource, Literal("aligned-text" if unit.zh else "source")))
        add((node, PROV.wasDerivedFrom, seg_iri[unit.segment]))
        if unit.ordinal:
            add((node, ONT.ordinal, Literal(unit.ordinal)))
        if unit.section and unit.kind in ("Task", "Guarantee"):
            add((node, ONT.inSection, self.doc_iri(facts, unit.section)))
        if unit.kind == "Task":
            add((plan, ONT.hasTask, node))
            if unit.section:
                add((self.doc_iri(facts, unit.section), ONT.hasTask, node))
            if unit.pillar:
                add((ONT[unit.pillar], ONT.hasTask, node))
        elif unit.kind == "Guarantee":
            add((plan, ONT.hasGuarantee, node))
        elif unit.kind == "Principle":
            add((plan, ONT.hasPrinciple, node))
        elif unit.kind == "Goal":
            add((plan, ONT.hasGoal, node))
            add((node, ONT.targetYear, Literal(str(unit.year), datatype=XSD.gYear)))
            if unit.year_source:
                add((node, ONT.yearSource, Literal(unit.year_source)))
        elif unit.kind == "Measure":
            add((self.doc_iri(facts, unit.parent), ONT.hasMeasure, node))
            if unit.subarea:
                add((self.doc_iri(facts, unit.subarea), ONT.hasMeasure, node))
        elif unit.kind == "Target":
            add((self.doc_iri(facts, unit.parent), ONT.hasTarget, node))
        for key in unit.mentions:
            add((node, ONT.mentions, self.entity_iri(key)))

    def indicator(self, t: list, facts: DocumentFacts, ind: Indicator, seg_iri: dict, zh_doc: bool) -> None:
        add = t.append
        node = self.doc_iri(facts, ind.id)
        add((node, RDF.type, ONT.Indicator))
        add((node, RDF.type, OWL.NamedIndividual))
        add((node, RDFS.label, Literal(ind.text, language="zh" if zh_doc else "en")))
        add((node, ONT.labelSource, Literal("source")))
        add((self.doc_iri(facts, ind.unit_id), ONT.hasIndicator, node))
        add((node, PROV.wasDerivedFrom, seg_iri[ind.segment]))
        add((node, ONT.metric, Literal(ind.metric, language="zh" if zh_doc else "en")))
        add((node, ONT.value, Literal(_decimal(ind.value), datatype=XSD.decimal)))
        if ind.unit:
            add((node, ONT.unitOfMeasure, Literal(ind.unit)))
        add((node, ONT.comparator, Literal(ind.comparator)))
        if ind.change:
            add((node, ONT.changeDirection, Literal(ind.change)))
        if ind.baseline_year:
            add((node, ONT.baselineYear, Literal(str(ind.baseline_year), datatype=XSD.gYear)))
        if ind.baseline_value is not None:
            add((node, ONT.baselineValue, Literal(_decimal(ind.baseline_value), datatype=XSD.decimal)))
        if ind.year:
            add((node, ONT.targetYear, Literal(str(ind.year), datatype=XSD.gYear)))

    def entity(self, t: list, ent: Entity) -> None:
        add = t.append
        node = self.entity_iri(ent.key)
        for cls in ent.kinds:
            add((node, RDF.type, ONT[cls]))
        add((node, RDF.type, OWL.NamedIndividual))
        if ent.zh:
            add((node, RDFS.label, Literal(ent.zh, language="zh")))
        if ent.en:
            add((node, RDFS.label, Literal(ent.en, language="en")))
            add((node, ONT.labelSource, Literal(ent.en_source)))
        add((node, ONT.origin, Literal(ent.origin)))
        for lang, text in ent.alt:
            add((node, SKOS.altLabel, Literal(text, language=lang)))
        if ent.note:
            add((node, SKOS.note, Literal(ent.note, language="en")))

    def framework(self, t: list, fw: FrameworkDef) -> None:
        """Copy the framework's individuals into the data, so data-only exports stay readable."""
        add = t.append
        node = ONT[fw.name]
        add((node, RDF.type, ONT.Framework))
        add((node, RDF.type, OWL.NamedIndividual))
        add((node, RDFS.label, Literal(fw.zh, language="zh")))
        add((node, RDFS.label, Literal(fw.en, language="en")))
        for group in fw.groups:
            g = ONT[group.name]
            add((node, ONT.hasGroup, g))
            add((g, RDF.type, ONT.PillarGroup))
            add((g, RDF.type, OWL.NamedIndividual))
            add((g, RDFS.label, Literal(group.zh, language="zh")))
            add((g, RDFS.label, Literal(group.en[0], language="en")))
            add((g, ONT.memberCount, Literal(group.count)))
            add((g, ONT.ordinal, Literal(group.ordinal)))
            for m in group.members:
                pnode = ONT[m.name]
                add((g, ONT.hasMember, pnode))
                add((pnode, RDF.type, ONT[m.cls]))
                add((pnode, RDF.type, OWL.NamedIndividual))
                add((pnode, RDFS.label, Literal(m.zh, language="zh")))
                add((pnode, RDFS.label, Literal(m.en, language="en")))
                add((pnode, ONT.ordinal, Literal(m.ordinal)))


def _decimal(value: float) -> str:
    """A number as xsd:decimal's lexical form: 13.5, 700000 (never 7e5 or 700000.0)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def graph_name(facts: DocumentFacts, base: str = DEFAULT_BASE) -> NamedNode:
    """The named graph of a document's triples."""
    return _Builder(check_base(base), ()).graph_iri(facts)


def build(docs: Iterable[DocumentFacts], frameworks: Iterable[FrameworkDef], base: str = DEFAULT_BASE) -> Data:
    """The quads of the documents, one named graph per document, in one fixed order."""
    builder = _Builder(check_base(base), frameworks)
    quads = []
    for facts in docs:
        g = builder.graph_iri(facts)
        quads.extend(Quad(s, p, o, g) for s, p, o in builder.triples(facts))
    return Data(quads, {**namespaces.PREFIXES, "id": builder.base})
