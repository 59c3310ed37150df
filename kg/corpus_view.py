"""The view of a corpus: graph.html opens on an index of the plans (by issuer and year) and
the entities they share; each plan's own network view is a page of its own, plans/<id>.html.

One network of a thousand plans is unreadable and slow to open, so the index is a table,
light whatever the corpus; a plan's page is the view a single plan gets, with vis-network
from files beside it (plans/vis-network.min.js) instead of inlined into every page. All
of it works offline, opened from the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

from kg import page, resources
from kg.digest import UNIT_KINDS
from kg.rdf import ONT, RDF, RDFS, Data, Literal, NamedNode, sort_key

_ONT = ONT.Entity.value.removesuffix("Entity")
SHARED_SHOWN = 500  # entities listed in the index, those named by the most plans first


def page_name(graph: NamedNode) -> str:
    """The file of a document graph's page: its document id (…/id/<doc>/graph), made safe."""
    parts = graph.value.rstrip("/").split("/")
    doc = parts[-2] if len(parts) >= 2 and parts[-1] == "graph" else parts[-1]
    return re.sub(r"[^0-9A-Za-z\u3400-\u9fff_-]+", "-", doc).strip("-") + ".html"


def index_data(data) -> dict:
    """What the index shows: each plan (title, issuers, year, counts, its page) and the
    entities named by more than one plan. Each plan's row from its graph's digest
    (kg.digest); the entities' labels and kinds from the statements about them."""
    from kg import digest

    parts = digest.parts_of(data)
    mentioned: dict = defaultdict(set)  # entity → graphs
    rows = []
    pages = {}

    def labels(value: str) -> dict:
        node = NamedNode(value)
        found: dict = {}
        for o in parts.graph_of(node).objects(node, RDFS.label):
            if isinstance(o, Literal):
                found.setdefault(o.language or "", o.value)
        return found

    def named(values: list, first: str, then: str) -> list[str]:
        out = []
        for v in sorted(values, key=lambda v: str(NamedNode(v))):
            found = labels(v)
            out.append(found.get(first) or found.get(then) or v)
        return out

    for g in sorted(parts.digests, key=sort_key):
        d = parts.digests[g]["index"]
        for e in d["mentioned"]:
            mentioned[e].add(g)
        if d["plan"] is None:
            continue
        pages[g] = page_name(g)
        texts = parts.texts(d["plan"], d["plan_texts"])
        date = d["date"]
        rows.append(
            {
                "page": pages[g],
                "zh": d["titles"].get("zh") or texts.get("zh", ""),
                "en": d["titles"].get("en") or texts.get("en", ""),
                "issuers": named(d["issuers"], "zh", "en"),
                "issuers_en": named(d["issuers"], "en", "zh"),
                "year": date[:4] if date[:1].isdigit() else "",
                "date": date,
                "goal_years": d["years"],
                **{k: d["counts"].get(k, 0) for k in UNIT_KINDS.values()},
                "entities": len(d["mentioned"]),
            }
        )

    def kind(value: str) -> str:
        """An entity's kind: its first class in the union's order (by the class's N-Triples text)."""
        node = NamedNode(value)
        typed = [o for o in parts.graph_of(node).objects(node, RDF.type) if o.value.startswith(_ONT)]
        return min(typed, key=str).value[len(_ONT) :] if typed and "/entity/" in value else ""

    kinds = {e: k for e, gs in mentioned.items() if len(gs) > 1 and (k := kind(e))}
    shared = sorted(
        ((e, gs) for e, gs in mentioned.items() if e in kinds),
        key=lambda item: (-len(item[1]), str(NamedNode(item[0]))),
    )
    return {
        "plans": rows,
        "shared": [
            {
                "zh": (found := labels(e)).get("zh", ""),
                "en": found.get("en", ""),
                "kind": kinds[e],
                "plans": sorted(pages[g] for g in gs if g in pages),
            }
            for e, gs in shared[:SHARED_SHOWN]
        ],
        "shared_total": len(shared),
    }


def index_page(data) -> str:
    return page.fill("corpus.html", {"__DATA__": page.script_json(index_data(data))})


PAGES_RECORD = "pages.json"  # in plans/: what each page was made from, for the next build
# The code and data a plan's page is made from, besides its graph.
_VIEW_CODE = ("viz.py", "export.py", "network.py", "page.py", "corpus_view.py", "rdf.py", "namespaces.py")


def write_plan_pages(
    data: Data | Mapping, folder: Path, previous: Path | None = None, unchanged: frozenset = frozenset()
) -> None:
    """plans/<id>.html for each document graph, and the vis-network files they load.

    A page is a function of its graph and of the view's code, templates, ontology and
    vis-network: a hash of those is kept for each page (plans/pages.json, with the view's
    own hash), and a page the last build (``previous``, its plans/ folder) made from the
    same is linked, not drawn again. In a rebuild after one report changed, that is all
    pages but one. ``unchanged``: graphs the caller knows are those of the last build (a
    report kept, kg.build): their pages' hashes are the last build's when the view's is
    the same, not made again from their N-Triples (~0.7 s at 1,000 reports). ``data``: the
    data, or its document graphs by name (kg.held.Graphs: a graph is read only when asked)."""
    import pyoxigraph as ox

    from kg import viz

    folder.mkdir()
    script, style = viz.vis_assets()
    (folder / viz.VIS_FILES[0]).write_text(script, encoding="utf-8")
    (folder / viz.VIS_FILES[1]).write_text(style, encoding="utf-8")
    view = _view_key(script, style)
    old = _record(previous, view)
    made: dict[str, str] = {}
    graphs = data.graphs() if isinstance(data, Data) else data
    for name in graphs:
        file = page_name(name)
        key = old.get(file) if name in unchanged else None
        if key is None:
            graph = graphs[name]
            key = hashlib.sha256(view + ox.serialize(iter(graph), format=ox.RdfFormat.N_TRIPLES)).hexdigest()
        made[file] = key
        if previous is not None and old.get(file) == key and _link(previous / file, folder / file):
            continue
        html, *_ = viz.network_page(*viz.network_of(graphs[name]), linked=True)
        (folder / file).write_text(html, encoding="utf-8")
    record = {"pages": made, "view": view.hex()}
    (folder / PAGES_RECORD).write_text(json.dumps(record, indent=0, sort_keys=True) + "\n", encoding="utf-8")


def _view_key(script: str, style: str) -> bytes:
    package = Path(__file__).resolve().parent
    files = [package / name for name in _VIEW_CODE] + sorted(page.TEMPLATES.rglob("*")) + [resources.ontology_file()]
    digest = resources.files_digest(f for f in files if f.is_file())
    digest.update(script.encode() + b"\0" + style.encode())
    return digest.digest()


def _record(previous: Path | None, view: bytes) -> dict:
    """page → hash of the last build's pages, when they were drawn by the same view."""
    try:
        found = json.loads((previous / PAGES_RECORD).read_text(encoding="utf-8")) if previous else {}
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict) or found.get("view") != view.hex() or not isinstance(found.get("pages"), dict):
        return {}
    return found["pages"]


def _link(source: Path, target: Path) -> bool:
    """``source`` at ``target`` too: a hard link (builds never change a file in place), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        try:
            shutil.copyfile(source, target)
        except OSError:
            return False
    return True
