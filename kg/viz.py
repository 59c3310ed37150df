"""The interactive network view (one offline HTML file) and a static picture of the framework.

vis-network (as pyvis ships it) draws the page; kg.network holds the graph (networkx's interface);
the layout is computed here at build time (radial by structure: the plan in the centre,
the pillar groups in sectors around it), so the browser draws at once with physics off.
Every text from the input reaches the page as JSON data and is shown with textContent
or drawn on the canvas: nothing from the plan is ever parsed as markup.
"""

from __future__ import annotations

import functools
import html
import importlib.util
import math
from collections import defaultdict
from pathlib import Path

from kg import page
from kg.errors import KGError

GROUP_ORDER = ("Foundation", "Domain", "Capability", "Environment", "Guarantee", "Goal")
GROUP_COLORS = {
    "Foundation": "#1f6fb4",
    "Domain": "#2a9d46",
    "Capability": "#c8372d",
    "Environment": "#7b52ab",
    "Guarantee": "#8c5a2b",
    "Goal": "#e08a00",
    "Plan": "#d4a106",
    "Framework": "#555555",
}
ENTITY_COLORS = {
    "Technology": "#17becf",
    "Infrastructure": "#0f8b9c",
    "DataResource": "#5fa8d3",
    "Sector": "#bcbd22",
    "Organization": "#e377c2",
    "Stakeholder": "#f2a7d8",
    "Platform": "#ff7f0e",
    "System": "#9c755f",
    "Mechanism": "#b07aa1",
    "Strategy": "#76b7b2",
    "Initiative": "#edc948",
    "Event": "#e8b400",
    "Facility": "#8cd17d",
    "LegalInstrument": "#86bcb6",
}
STRUCTURE = {"Plan", "Framework", "PillarGroup", "Foundation", "Domain", "Capability", "Environment"}
OVERVIEW = STRUCTURE | {"Task", "Goal", "Guarantee"}
MAX_NODES = 2000
RADIUS = {"PillarGroup": 170, "pillar": 330, "task": 500, "leaf": 700, "entity": 1000}


def vis_assets() -> tuple[str, str]:
    """vis-network's script and style, as pyvis ships them: inlined into a single view,
    written beside the plan pages of a corpus (kg.corpus_view)."""
    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise KGError("pyvis is not installed: the network view needs it")
    lib = Path(next(iter(spec.submodule_search_locations))) / "templates" / "lib" / "vis-9.1.2"
    script = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    return script, (lib / "vis-network.css").read_text(encoding="utf-8")


# -- the graph and its groups ---------------------------------------------------------


def annotate(net) -> None:
    """Give each node its kind, its colour group, and the pillar groups it belongs to."""
    for _, attrs in net.nodes(data=True):
        classes = attrs.get("classes", "").split()
        pillar = [c for c in ("Foundation", "Domain", "Capability", "Environment") if c in classes]
        attrs["kind"] = pillar[0] if pillar else attrs.get("class", "")
        attrs["groups"] = {attrs["kind"]} if attrs["kind"] in GROUP_ORDER else set()
    # Down the tree: pillar → task → measure; goal → target; guarantee → measure.
    for rel in ("hasTask", "hasMeasure", "hasTarget"):
        for s, o, data in net.edges(data=True):
            if data.get("relation") == rel and net.nodes[s]["kind"] not in ("Plan", "Section"):
                net.nodes[o]["groups"] |= net.nodes[s]["groups"]
    for s, o, data in net.edges(data=True):
        if data.get("relation") == "mentions":
            net.nodes[o]["groups"] |= net.nodes[s]["groups"]
    for node, attrs in net.nodes(data=True):
        if attrs["kind"] == "PillarGroup":
            members = {net.nodes[m]["kind"] for m in _children(net, node, "hasMember")}
            attrs["groups"] = members & set(GROUP_ORDER)
    for _, attrs in net.nodes(data=True):
        kind = attrs["kind"]
        if kind == "PillarGroup" and attrs["groups"]:
            attrs["color"] = _lighter(GROUP_COLORS[sorted(attrs["groups"])[0]], 0.15)
        elif kind in GROUP_COLORS:
            attrs["color"] = GROUP_COLORS[kind]
        elif kind in ENTITY_COLORS:
            attrs["color"] = ENTITY_COLORS[kind]
        elif attrs["groups"]:
            attrs["color"] = _lighter(
                GROUP_COLORS[sorted(attrs["groups"], key=GROUP_ORDER.index)[0]], 0.35 if kind == "Task" else 0.6
            )
        else:
            attrs["color"] = "#9aa5b1"


def prune(net) -> None:
    """Drop the edges a reader can infer from others (the plan's own hasTask and hasPillar,
    the sections' hasTask and inSection): in RDF they help queries, in a picture they clutter."""
    for s, o, key, data in list(net.edges(keys=True, data=True)):
        kind = net.nodes[s]["kind"]
        relation = data.get("relation")
        if (
            (kind == "Plan" and relation in ("hasTask", "hasPillar"))
            or (kind == "Section" and relation == "hasTask")
            or relation == "inSection"
        ):
            net.remove_edge(s, o, key)


def _lighter(color: str, amount: float) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    r, g, b = (round(c + (255 - c) * amount) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


# -- layout -------------------------------------------------------------------------------


def _children(net, node, relation: str) -> list:
    return sorted(o for _, o, d in net.out_edges(node, data=True) if d.get("relation") == relation)


def layout(net) -> dict:
    """Radial positions: plan at the centre, a sector per pillar group, pillars, tasks and
    measures outwards along their sector, entities on the rim near what mentions them."""
    pos: dict = {}
    kinds = {n: a["kind"] for n, a in net.nodes(data=True)}
    plans = sorted(n for n, k in kinds.items() if k == "Plan")
    for k, plan in enumerate(plans):
        pos[plan] = (k * 120.0, 0.0)
    # Sectors: each holds its stems (pillars, guarantees, goals) and is as wide as they need.
    stems: dict[str, list] = defaultdict(list)
    for n, k in kinds.items():
        if k in ("Foundation", "Domain", "Capability", "Environment", "Guarantee", "Goal"):
            stems[k].append(n)
    order = [g for g in GROUP_ORDER if stems.get(g)]
    tasks_of = {
        n: _children(net, n, "hasTask")
        for n in net.nodes
        if kinds[n] in ("Foundation", "Domain", "Capability", "Environment")
    }
    tasks_of.update({n: [n] for n in net.nodes if kinds[n] in ("Guarantee", "Goal")})
    weight = {g: sum(max(1, len(tasks_of.get(s, []))) for s in stems[g]) for g in order}
    total = sum(weight.values()) or 1
    gap = 0.22  # radians of blank between two sectors, so their labels never meet
    usable = 2 * math.pi - gap * len(order)
    angle = -math.pi / 2 + gap / 2
    sector_mid = {}
    for group in order:
        span = usable * weight[group] / total
        sector_mid[group] = angle + span / 2
        members = sorted(stems[group], key=lambda n: (int(net.nodes[n].get("ordinal", 0) or 0), n))
        slots = [t for s in members for t in (tasks_of.get(s) or [s])]
        step = span / max(1, len(slots))
        for i, slot in enumerate(slots):
            theta = angle + step * (i + 0.5)
            _polar(pos, slot, RADIUS["task"] if kinds[slot] == "Task" else RADIUS["pillar"], theta)
            leaves = _children(net, slot, "hasMeasure") + _children(net, slot, "hasTarget")
            for j, leaf in enumerate(leaves):
                spread = step * 0.9
                t = theta - spread / 2 + spread * (j + 0.5) / max(1, len(leaves))
                _polar(pos, leaf, RADIUS["leaf"] + 90 * (j % 3), t)
        for s in members:
            own = [pos[t] for t in tasks_of.get(s, []) if t in pos and t != s]
            if own:
                theta = math.atan2(sum(p[1] for p in own), sum(p[0] for p in own))
                _polar(pos, s, RADIUS["pillar"], theta)
        angle += span + gap
    for n, k in kinds.items():
        if k == "PillarGroup":
            members = [m for m in _children(net, n, "hasMember") if m in pos]
            if members:
                theta = math.atan2(sum(pos[m][1] for m in members), sum(pos[m][0] for m in members))
                _polar(pos, n, RADIUS["PillarGroup"], theta)
        elif k == "Framework":
            pos[n] = (0.0, -90.0)
    # Entities: on the rim, at the mean angle of what mentions them, spread apart.
    rim = []
    for n in net.nodes:
        if n in pos:
            continue
        anchors = [pos[s] for s, _ in net.in_edges(n) if s in pos] + [pos[o] for _, o in net.out_edges(n) if o in pos]
        theta = math.atan2(sum(p[1] for p in anchors), sum(p[0] for p in anchors)) if anchors else 0.0
        rim.append((theta, n))
    rim.sort()
    min_gap = 2 * math.pi / max(len(rim), 1)
    last = -math.inf
    for k, (theta, n) in enumerate(rim):
        theta = max(theta, last + min_gap * 0.8)
        last = theta
        _polar(pos, n, RADIUS["entity"] + 110 * (k % 3), theta)
    return pos


def _polar(pos: dict, node, radius: float, theta: float) -> None:
    pos[node] = (round(radius * math.cos(theta), 1), round(radius * math.sin(theta), 1))


# -- views ----------------------------------------------------------------------------------


def select(net, view: str = "full", focus: str | None = None, depth: int = 2, max_nodes: int = MAX_NODES):
    """The subgraph a view shows, and a note when it had to summarize."""
    note = ""
    if focus:
        needle = focus.lower()
        seeds = [
            n
            for n, a in net.nodes(data=True)
            if needle == n.lower() or needle in a.get("label_zh", "").lower() or needle in a.get("label_en", "").lower()
        ]
        if not seeds:
            raise KGError(f"--focus {focus!r}: no node has that in its label")
        # Exact matches first: --focus 北斗 means the entity 北斗 before the measures naming it.
        seeds.sort(key=lambda n: (focus not in (net.nodes[n].get("label_zh"), net.nodes[n].get("label_en")), n))
        keep = set()
        for seed in seeds[:5]:
            keep |= net.neighbourhood(seed, depth)
        sub = net.subgraph(sorted(keep))
        note = f"neighbourhood of “{focus}” within {depth} step(s): {sub.number_of_nodes()} nodes"
    elif view == "overview":
        sub = net.subgraph(sorted(n for n, a in net.nodes(data=True) if a["kind"] in OVERVIEW))
    else:
        # A copy of its own: made by summarize (which never changes what it is given) when
        # the view is folded, else whole.
        sub = net if net.number_of_nodes() > max_nodes else net.copy()
    if sub.number_of_nodes() > max_nodes:
        before = sub.number_of_nodes()
        sub = summarize(sub, max_nodes)
        note = (note + "; " if note else "") + (
            f"summarized: {sub.number_of_nodes()} of {before} nodes shown (measures and targets folded into "
            f"their tasks and goals, least-mentioned entities left out); use --focus for detail"
        )
    return sub, note


def summarize(net, max_nodes: int):
    """Fold measures and targets into their parents; then drop the least-connected entities."""
    folded = net.copy()
    for n, a in list(folded.nodes(data=True)):
        if a["kind"] in ("Measure", "Target"):
            parents = [s for s, _ in folded.in_edges(n)]
            for p in parents:
                folded.nodes[p]["folded"] = folded.nodes[p].get("folded", 0) + 1
            for _, entity in list(folded.out_edges(n)):
                for p in parents:
                    if not folded.has_edge(p, entity):
                        folded.add_edge(p, entity, key="mentions", relation="mentions")
            folded.remove_node(n)
    if folded.number_of_nodes() > max_nodes:
        entities = sorted(
            (
                n
                for n, a in folded.nodes(data=True)
                if a["kind"] not in OVERVIEW and a["kind"] not in ("Section", "StrategicPathStep")
            ),
            key=lambda n: (folded.degree(n), n),
        )
        excess = folded.number_of_nodes() - max_nodes
        folded.remove_nodes_from(entities[:excess])
    if folded.number_of_nodes() > max_nodes:
        keep = sorted(folded.nodes, key=lambda n: (folded.nodes[n]["kind"] not in STRUCTURE, -folded.degree(n), n))[
            :max_nodes
        ]
        folded = folded.subgraph(keep)
    return folded


# -- the page ---------------------------------------------------------------------------------


def page_data(net, pos: dict, title: dict, note: str) -> dict:
    """Nodes and edges in vis-network's data format, with what the side panel and filters need.

    The page runs vis-network (the copy pyvis ships); the data is written here directly,
    which spares the build pyvis's import (and IPython's) and its per-edge node scans.
    """
    degree = dict(net.degree())
    nodes = []
    for n in sorted(net.nodes):
        a = net.nodes[n]
        x, y = pos.get(n, (0.0, 0.0))
        zh, en = a.get("label_zh", ""), a.get("label_en", "")
        if a.get("folded"):
            en = f"{en} (+{a['folded']})"
            zh = f"{zh}(+{a['folded']})" if zh else zh
        node = {
            "id": n,
            "label": _short(zh or en),
            "color": a["color"],
            "x": x,
            "y": y,
            "value": degree.get(n, 0) + (6 if a["kind"] in STRUCTURE else 1),
            "kind": a["kind"],
            "groups": sorted(a["groups"]),
            "zh": zh,
            "en": en,
            "source_zh": a.get("source_zh", ""),
            "source_en": a.get("source_en", ""),
            "paragraph": a.get("paragraph", ""),
        }
        nodes.append(node)
    edges = [
        {"from": s, "to": o, "label": data.get("relation", "")}
        for s, o, data in sorted(net.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("relation", "")))
    ]
    return {
        "title": title,
        "note": note,
        "nodes": nodes,
        "edges": edges,
        "colors": {**GROUP_COLORS, **ENTITY_COLORS},
        "relations": relation_names(),
    }


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


VIS_FILES = ("vis-network.min.js", "vis-network.css")  # beside the plan pages of a corpus view


def render_page(full: dict, overview: dict, linked: bool = False) -> str:
    """The network page; ``linked``: vis-network from files beside it (VIS_FILES), as each
    plan page of a corpus has it, instead of inlined into the page."""
    if linked:
        style = f'<link rel="stylesheet" href="{VIS_FILES[1]}">'
        script = f'<script src="{VIS_FILES[0]}"></script>'
    else:
        js, css = vis_assets()
        style, script = f"<style>{css}</style>", "<script>" + js.replace("</script", "<\\/script") + "</script>"
    return page.fill(
        "graph.html",
        {
            "/*VIS_STYLE*/": style,
            "/*VIS_SCRIPT*/": script,
            "__FULL__": page.script_json(full),
            "__OVERVIEW__": page.script_json(overview),
        },
    )


# -- the static picture ------------------------------------------------------------------------


def svg(net, pos: dict) -> str:
    """The framework overview as SVG: nodes, edges, and both labels of each node."""
    xs = [p[0] for p in pos.values()] or [0]
    ys = [p[1] for p in pos.values()] or [0]
    pad = 160
    x0, y0 = min(xs) - pad, min(ys) - pad
    w, h = max(xs) - x0 + pad, max(ys) - y0 + pad
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.0f} {y0:.0f} {w:.0f} {h:.0f}" '
        f'width="{w:.0f}" height="{h:.0f}" font-family="WenQuanYi Zen Hei, Noto Sans CJK SC, sans-serif">',
        f'<rect x="{x0:.0f}" y="{y0:.0f}" width="{w:.0f}" height="{h:.0f}" fill="#ffffff"/>',
    ]
    for s, o in sorted({(s, o) for s, o in net.edges()}):
        if s in pos and o in pos:
            (a, b), (c, d) = pos[s], pos[o]
            out.append(f'<line x1="{a}" y1="{b}" x2="{c}" y2="{d}" stroke="#c3ccd5" stroke-width="1.2"/>')
    for n in sorted(net.nodes):
        if n not in pos:
            continue
        a = net.nodes[n]
        x, y = pos[n]
        r = _radius(a["kind"])
        out.append(f'<circle cx="{x}" cy="{y}" r="{r}" fill="{a["color"]}" stroke="#ffffff" stroke-width="1.5"/>')
        zh, en = html.escape(_short(a.get("label_zh", ""), 16)), html.escape(_short(a.get("label_en", ""), 28))
        out.append(f'<text x="{x}" y="{y + r + 16}" text-anchor="middle" font-size="15" fill="#1d2733">{zh}</text>')
        out.append(f'<text x="{x}" y="{y + r + 31}" text-anchor="middle" font-size="11" fill="#5b6b7a">{en}</text>')
    out.append("</svg>\n")
    return "\n".join(out)


def _radius(kind: str) -> int:
    return {"Plan": 26, "Framework": 14, "PillarGroup": 16}.get(kind, 12 if kind in STRUCTURE else 8)


def cjk_font() -> str | None:
    for path in (
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    ):
        if Path(path).exists():
            return path
    return None


def png(net, pos: dict, scale: float = 0.9) -> tuple[bytes, str]:
    """The same picture as PNG, drawn with Pillow; a note when no CJK font is installed."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    xs = [p[0] for p in pos.values()] or [0]
    ys = [p[1] for p in pos.values()] or [0]
    pad = 160
    x0, y0 = min(xs) - pad, min(ys) - pad
    width, height = int((max(xs) - x0 + pad) * scale), int((max(ys) - y0 + pad) * scale)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font_path = cjk_font()
    note = (
        ""
        if font_path
        else "no CJK font found (apt-get install fonts-wqy-zenhei): Chinese labels in the PNG are missing"
    )
    big = ImageFont.truetype(font_path, int(15 * scale) + 2) if font_path else ImageFont.load_default()
    small = ImageFont.truetype(font_path, int(11 * scale) + 2) if font_path else ImageFont.load_default()

    def at(p):
        return ((p[0] - x0) * scale, (p[1] - y0) * scale)

    for s, o in sorted({(s, o) for s, o in net.edges()}):
        if s in pos and o in pos:
            draw.line([at(pos[s]), at(pos[o])], fill="#c3ccd5", width=1)
    for n in sorted(net.nodes):
        if n not in pos:
            continue
        a = net.nodes[n]
        x, y = at(pos[n])
        r = _radius(a["kind"]) * scale
        draw.ellipse([x - r, y - r, x + r, y + r], fill=a["color"], outline="white")
        zh, en = _short(a.get("label_zh", ""), 16), _short(a.get("label_en", ""), 28)
        if zh and font_path:
            draw.text((x, y + r + 10 * scale), zh, fill="#1d2733", font=big, anchor="mt")
        draw.text((x, y + r + 26 * scale), en, fill="#5b6b7a", font=small, anchor="mt")
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)  # a few % larger, a third of the time
    return buf.getvalue(), note


# -- everything at once -------------------------------------------------------------------------


@functools.cache
def relation_names() -> dict[str, dict[str, str]]:
    """Each relation's name as the side panel reads it, from the ontology's labels: forwards
    (coordinates → …) and backwards from the other end (coordinated by …), in zh and en.
    Made once: both views of a page carry it."""
    from kg import rdf, resources

    onto = rdf.load_ontology(resources.ontology_file())
    inverse = {}
    for a, b in onto.subject_objects(rdf.OWL.inverseOf):
        inverse[a], inverse[b] = b, a
    names = {}
    for prop in [*onto.subjects(rdf.TYPE, rdf.OWL.ObjectProperty), rdf.SKOS.exactMatch]:
        labels = onto.texts(prop)
        back = onto.texts(inverse[prop]) if prop in inverse else {}
        names[rdf.local_name(prop)] = {
            "zh": labels.get("zh", rdf.local_name(prop)),
            "en": labels.get("en", rdf.local_name(prop)),
            "zh_back": back.get("zh", ""),
            "en_back": back.get("en", ""),
        }
    names["exactMatch"] = {
        "zh": "同一概念",
        "en": "same concept as",
        "zh_back": "同一概念",
        "en_back": "same concept as",
    }
    return dict(sorted(names.items()))


def network_for(data):
    """The data as an annotated, pruned network (kg.network), and the plan titles for the heading."""
    return network_of(data.union())


def network_of(graph):
    """network_for of a graph's triples (one document's graph, or the union of all)."""
    from kg import export

    net = export.network(graph)
    # Its lookups let go once the network is made: at a plan of 4 MB they were ~0.1 GB of
    # the view's peak, and the outputs after it make the few they need again (a corpus's
    # pages: each document graph's, not needed again).
    graph.forget()
    annotate(net)
    prune(net)
    plans = [a for _, a in net.nodes(data=True) if a["kind"] == "Plan"]
    title = {
        "zh": "、".join(a.get("label_zh", "") for a in plans if a.get("label_zh")),
        "en": "; ".join(a.get("label_en", "") for a in plans if a.get("label_en")),
    }
    return net, title


OVERVIEW_NOTE = "框架总览 · framework overview: plan, pillar groups, pillars, tasks, goals, guarantees"


def network_page(
    net, title: dict, focus: str | None = None, depth: int = 2, max_nodes: int = MAX_NODES, linked: bool = False
):
    """The page of an annotated network (render_page; ``linked`` as there), with what the
    pictures need besides: (html, note for the user, positions, the overview network)."""
    pos = layout(net)
    sub, note = select(net, "full", focus, depth, max_nodes)
    overview, _ = select(net, "overview")
    html = render_page(page_data(sub, pos, title, note), page_data(overview, pos, title, OVERVIEW_NOTE), linked)
    return html, note, pos, overview


def views(net, title: dict, focus: str | None = None, depth: int = 2, max_nodes: int = MAX_NODES):
    """graph.html, overview.svg and overview.png for an annotated network; and notes for the user."""
    html, note, pos, overview = network_page(net, title, focus, depth, max_nodes)
    files = {"graph.html": html.encode()}
    overview_pos = {n: pos[n] for n in overview.nodes if n in pos}
    files["overview.svg"] = svg(overview, overview_pos).encode()
    picture, png_note = png(overview, overview_pos)
    files["overview.png"] = picture
    return files, [n for n in (note, png_note) if n]


def build_views(
    data, focus: str | None = None, depth: int = 2, max_nodes: int = MAX_NODES
) -> tuple[dict[str, bytes], list[str]]:
    net, title = network_for(data)
    return views(net, title, focus, depth, max_nodes)
