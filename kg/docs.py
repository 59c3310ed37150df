"""One offline HTML page documenting every class and property, from the ontology's own
annotations (as pyLODE does), with instance counts and examples from the data."""

from __future__ import annotations

from html import escape

from kg.namespaces import ONTOLOGY_NS, PREFIXES, compact
from kg.rdf import (
    DCTERMS,
    ONT,
    ONTOLOGY_IRI,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    BlankNode,
    Graph,
    Literal,
    NamedNode,
    local_name,
)

CSS = """
body{font:15px/1.5 system-ui,"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:0;color:#1d2733}
header{background:#123a5c;color:#fff;padding:1.2em 2em}header h1{margin:0 0 .2em;font-size:1.6em}
nav{position:fixed;top:0;bottom:0;left:0;width:16em;overflow:auto;padding:1em;background:#eef2f6;font-size:13px}
nav a{display:block;color:#123a5c;text-decoration:none}nav h3{margin:1em 0 .2em}
main{margin-left:18em;padding:1em 2em;max-width:60em}.term{border-top:1px solid #d5dde5;padding:.6em 0}
.term h3{margin:.2em 0}.iri{font:12px monospace;color:#5b6b7a}.zh{color:#7a2f16}
table{border-collapse:collapse}td,th{border:1px solid #d5dde5;padding:.2em .5em;vertical-align:top;text-align:left}
th{background:#eef2f6;font-weight:600;width:9em}.src{font-size:13px;color:#38485a}
"""


def _value(node) -> str:
    """Terms sort by their IRI or text, as a reader expects."""
    return node.value


def _prefixed(node) -> str:
    return compact(node.value)


class _Page:
    def __init__(self, ontology: Graph, parts) -> None:
        self.o = ontology
        self.parts = parts  # the data, as kg.digest.Parts: each document's digest and the rest
        self.classes = parts.classes  # kg.digest.Classes of the ontology
        self.ours = lambda n: isinstance(n, NamedNode) and n.value.startswith(ONTOLOGY_NS)
        # The disjointness lists, read once (every class's entry looks through them).
        self.disjoint_lists = [
            list(ontology.items(ontology.value(node, OWL.members)))
            for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses)
        ]

    def link(self, node) -> str:
        if isinstance(node, BlankNode):
            members = self.o.value(node, OWL.unionOf)
            if members is not None:
                return " or ".join(self.link(m) for m in self.o.items(members))
            return "(anonymous)"
        if self.ours(node):
            return f'<a href="#{escape(local_name(node))}">{escape(_prefixed(node))}</a>'
        return f"<code>{escape(_prefixed(node))}</code>"

    def labels(self, node) -> str:
        labels = self.o.texts(node, RDFS.label)
        return f'{escape(labels.get("en", ""))} · <span class="zh" lang="zh">{escape(labels.get("zh", ""))}</span>'

    def definition(self, node) -> str:
        d = self.o.texts(node, SKOS.definition)
        return f'{escape(d.get("en", ""))}<br><span class="zh" lang="zh">{escape(d.get("zh", ""))}</span>'

    def typed(self, cls) -> int:
        """How many nodes are typed ``cls``: the documents' own (their digests) and the rest's."""
        return self.parts.typed(cls) + len(self.parts.rest.subjects(RDF.type, cls))

    def instances(self, cls) -> tuple[int, list]:
        """How many nodes are of ``cls`` or a class below it, and the first three by IRI (not
        all of them sorted: a corpus's top classes have hundreds of thousands; the first
        document with any holds the least)."""
        from kg.digest import least_nodes

        classes = self.classes.below.get(cls, {cls})
        rest = self.parts.rest
        count = self.parts.typed(cls, deep=True) + len({s for c in classes for s in rest.subjects(RDF.type, c)})
        return count, least_nodes(self.parts, classes)

    def subclasses(self, cls, deep: bool = False) -> set:
        direct = {s for s in self.o.subjects(RDFS.subClassOf, cls) if isinstance(s, NamedNode)}
        if not deep:
            return direct
        out = set(direct)
        for s in direct:
            out |= self.subclasses(s, deep=True)
        return out

    def source(self, node) -> str:
        seg = self.parts.graph_of(node).value(node, PROV.wasDerivedFrom)
        if seg is None:
            return ""
        where = self.parts.graph_of(seg)
        zh = where.value(seg, ONT.zhText)
        en = where.value(seg, ONT.enText)
        para = where.value(seg, ONT.paragraph)
        parts = [f"¶{escape(para.value)}"] if para is not None else []
        if zh is not None:
            parts.append(f'<span lang="zh">{escape(zh.value)}</span>')
        if en is not None:
            parts.append(f"<i>{escape(en.value)}</i>")
        return '<div class="src">' + " — ".join(parts) + "</div>"

    def example(self, node) -> str:
        labels = self.parts.graph_of(node).texts(node)
        text = " · ".join(escape(labels[k]) for k in ("zh", "en") if k in labels) or escape(local_name(node))
        return f"<li>{text} <span class='iri'>{escape(node.value)}</span>{self.source(node)}</li>"

    def row(self, name: str, value: str) -> str:
        return f"<tr><th>{name}</th><td>{value}</td></tr>" if value else ""

    def cls(self, c) -> str:
        supers = [s for s in self.o.objects(c, RDFS.subClassOf) if isinstance(s, NamedNode)]
        subs = sorted(self.subclasses(c), key=_value)
        disjoint = sorted(self.disjoint(c), key=_value)
        count, first = self.instances(c)
        direct = self.typed(c)
        used_in = sorted(
            {p for p in self.o.subjects(RDFS.domain, None) if c in self._members(self.o.value(p, RDFS.domain))}
            | {p for p in self.o.subjects(RDFS.range, None) if c in self._members(self.o.value(p, RDFS.range))},
            key=_value,
        )
        examples = "".join(self.example(n) for n in first)
        return (
            f'<div class="term" id="{escape(local_name(c))}"><h3>{self.labels(c)}</h3>'
            f'<div class="iri">{escape(c.value)}</div><table>'
            + self.row("definition", self.definition(c))
            + self.row("subclass of", ", ".join(self.link(s) for s in sorted(supers, key=_value)))
            + self.row("subclasses", ", ".join(self.link(s) for s in subs))
            + self.row("disjoint with", ", ".join(self.link(s) for s in disjoint))
            + self.row("in domain or range of", ", ".join(self.link(p) for p in used_in))
            + self.row("instances", f"{count} ({direct} directly)")
            + self.row("examples", f"<ul>{examples}</ul>" if examples else "")
            + "</table></div>"
        )

    def _members(self, node) -> set:
        if isinstance(node, BlankNode) and self.o.value(node, OWL.unionOf) is not None:
            return set(self.o.items(self.o.value(node, OWL.unionOf)))
        return {node} if node is not None else set()

    def disjoint(self, c) -> set:
        out = set(self.o.objects(c, OWL.disjointWith)) | set(self.o.subjects(OWL.disjointWith, c))
        for members in self.disjoint_lists:
            if c in members:
                out |= set(members) - {c}
        return out

    def prop(self, p) -> str:
        kinds = sorted(local_name(t) for t in self.o.objects(p, RDF.type))
        uses, least = self.uses(p)
        example = ""
        if uses:
            s, o = least
            obj = escape(o.value[:120]) if isinstance(o, Literal) else escape(_prefixed(o))
            example = f"<code>{escape(_prefixed(s))}</code> → {obj}"
        return (
            f'<div class="term" id="{escape(local_name(p))}"><h3>{self.labels(p)}</h3>'
            f'<div class="iri">{escape(p.value)}</div><table>'
            + self.row("kind", ", ".join(kinds))
            + self.row("definition", self.definition(p))
            + self.row("domain", self.link(self.o.value(p, RDFS.domain)) if self.o.value(p, RDFS.domain) else "")
            + self.row("range", self.link(self.o.value(p, RDFS.range)) if self.o.value(p, RDFS.range) else "")
            + self.row("inverse of", ", ".join(self.link(i) for i in self.o.objects(p, OWL.inverseOf)))
            + self.row("uses in the data", str(uses))
            + self.row("example", example)
            + "</table></div>"
        )

    def uses(self, p) -> tuple[int, tuple | None]:
        """How many statements have ``p``, and the one to show (Graph.least): the least subject
        by IRI is the first document's that uses ``p`` or the rest's."""
        parts = self.parts
        count = parts.rest.count(p)
        found = [parts.rest.least(p)] if count else []
        name = compact(p.value)
        count += parts.total("uses", name)
        if holders := parts.holders("uses", name):
            found.append(parts.own(holders[0]).least(p))
        return count, min(found, key=lambda pair: pair[0].value) if found else None

    def individual(self, n) -> str:
        types = [t for t in self.o.objects(n, RDF.type) if t != OWL.NamedIndividual]
        return (
            f'<div class="term" id="{escape(local_name(n))}"><h3>{self.labels(n)}</h3>'
            f'<div class="iri">{escape(n.value)}</div><table>'
            + self.row("type", ", ".join(self.link(t) for t in sorted(types, key=_value)))
            + self.row("definition", self.definition(n))
            + self.row("members", ", ".join(self.link(m) for m in sorted(self.o.objects(n, ONT.hasMember), key=_value)))
            + self.row("groups", ", ".join(self.link(m) for m in sorted(self.o.objects(n, ONT.hasGroup), key=_value)))
            + "</table></div>"
        )


def render(ontology: Graph, data) -> str:
    """The whole page, as a string: no script, no external style or font. ``data``: a build's
    Data, or its kg.digest.Parts."""
    from kg import digest

    parts = data if isinstance(data, digest.Parts) else digest.make(data, digest.Classes.of(ontology))
    page = _Page(ontology, parts)
    ours = page.ours
    classes = sorted((c for c in ontology.subjects(RDF.type, OWL.Class) if ours(c)), key=local_name)
    object_props = sorted((p for p in ontology.subjects(RDF.type, OWL.ObjectProperty) if ours(p)), key=local_name)
    data_props = sorted((p for p in ontology.subjects(RDF.type, OWL.DatatypeProperty) if ours(p)), key=local_name)
    individuals = sorted((n for n in ontology.subjects(RDF.type, OWL.NamedIndividual) if ours(n)), key=local_name)
    title = ontology.texts(ONTOLOGY_IRI, DCTERMS.title)
    desc = ontology.texts(ONTOLOGY_IRI, DCTERMS.description)
    version = ontology.value(ONTOLOGY_IRI, OWL.versionInfo)

    def nav(name: str, nodes: list) -> str:
        links = "".join(f'<a href="#{escape(local_name(n))}">{escape(local_name(n))}</a>' for n in nodes)
        return f"<h3>{name}</h3>{links}"

    sections = [
        ("Classes · 类", classes, page.cls),
        ("Object properties · 对象属性", object_props, page.prop),
        ("Datatype properties · 数据属性", data_props, page.prop),
        ("Framework individuals · 框架个体", individuals, page.individual),
    ]
    body = "".join(f"<h2>{name}</h2>" + "".join(fn(n) for n in nodes) for name, nodes, fn in sections)
    namespaces = "".join(
        f"<tr><th>{escape(k)}</th><td><code>{escape(str(v))}</code></td></tr>" for k, v in PREFIXES.items()
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title.get('en', 'Ontology'))}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style></head><body>"
        f"<nav>{''.join(nav(name, nodes) for name, nodes, _ in sections)}</nav>"
        f"<main><header><h1>{escape(title.get('en', ''))}</h1>"
        f'<div lang="zh">{escape(title.get("zh", ""))}</div></header>'
        f"<p>{escape(desc.get('en', ''))}</p><p lang='zh'>{escape(desc.get('zh', ''))}</p>"
        f"<table>{page.row('IRI', f'<code>{escape(ONTOLOGY_IRI.value)}</code>')}"
        f"{page.row('version', escape(version.value if version is not None else ''))}"
        + page.row(
            "terms",
            f"{len(classes)} classes, {len(object_props)} object properties, "
            f"{len(data_props)} datatype properties, {len(individuals)} individuals",
        )
        + f"</table><h2>Namespaces</h2><table>{namespaces}</table>{body}</main></body></html>\n"
    )
