"""The network view: built with networkx and pyvis, checked in headless Chromium from file://."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from browser import open_page, screenshot
from conftest import run_kg
from PIL import Image

from kg import build, export, resources, viz

BEIDOU = "https://w3id.org/digital-china-kg/id/entity/北斗"
MEASURE = "https://w3id.org/digital-china-kg/id/digital-china-overall-layout-plan/task/1-1/measure/4"


@pytest.fixture(scope="module")
def ds():
    return build.dataset([resources.default_corpus()])


def page_json(html: str, which: str) -> dict:
    m = re.search(rf'<script id="data-{which}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def test_views_hold_the_graph(ds):
    files, notes = viz.build_views(ds)
    assert notes == []
    html = files["graph.html"].decode()
    full, overview = page_json(html, "full"), page_json(html, "overview")
    net = export.network(ds.union())
    assert len(full["nodes"]) == net.number_of_nodes()
    kinds = {n["kind"] for n in overview["nodes"]}
    assert kinds == {
        "Plan",
        "Framework",
        "PillarGroup",
        "Foundation",
        "Domain",
        "Capability",
        "Environment",
        "Task",
        "Goal",
        "Guarantee",
    }
    assert full["title"] == {
        "zh": "数字中国建设整体布局规划",
        "en": "Overall Layout Plan for Digital China Construction",
    }
    node = next(n for n in full["nodes"] if n["id"] == MEASURE)
    assert node["source_zh"] == "大力推进北斗规模应用" and node["groups"] == ["Foundation"]
    assert {e["label"] for e in full["edges"]} >= {"hasTask", "hasMeasure", "mentions", "hasMember"}
    positions = {(n["x"], n["y"]) for n in full["nodes"]}
    assert len(positions) == len(full["nodes"])  # a layout, not a heap in one spot
    assert (
        "http://" not in re.sub(r'"(?:id|from|to)": "[^"]*"|https?://[^"\s]*w3id[^"\s]*', "", html).split("<script>")[0]
    )


def test_output_is_deterministic(ds):
    assert viz.build_views(ds)[0] == viz.build_views(ds)[0]


def test_focus_and_summary(ds):
    net = export.network(ds.union())
    viz.annotate(net)
    sub, note = viz.select(net, focus="北斗", depth=2)
    assert BEIDOU in sub and MEASURE in sub and sub.number_of_nodes() < 40
    assert "neighbourhood" in note
    small, note = viz.select(net, max_nodes=100)
    assert small.number_of_nodes() <= 100 and "summarized" in note
    assert not any(a["kind"] == "Measure" for _, a in small.nodes(data=True))
    with pytest.raises(viz.KGError, match="no node"):
        viz.select(net, focus="不存在的东西")


def test_static_pictures(ds):
    files, _ = viz.build_views(ds)
    root = ET.fromstring(files["overview.svg"])
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "数字经济" in texts and "digital economy" in texts and "数字中国建设整体布局规划" in texts
    from io import BytesIO

    image = Image.open(BytesIO(files["overview.png"]))
    assert image.format == "PNG" and image.size[0] > 800 and image.size[1] > 800


def test_kg_viz_and_kg_build_write_the_view(tmp_path, built):
    r = run_kg("viz", "--focus", "北斗", "--depth", "2", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    full = page_json((tmp_path / "graph.html").read_text(encoding="utf-8"), "full")
    assert any(n["id"] == BEIDOU for n in full["nodes"]) and len(full["nodes"]) < 40
    for name in ("graph.html", "overview.svg", "overview.png"):
        assert (built / name).stat().st_size > 1000
    r = run_kg("viz", "--focus", "nothing-like-this", "--out", str(tmp_path))
    assert r.returncode == 2 and "no node" in r.stderr


# -- in the browser -------------------------------------------------------------------------


def test_the_page_in_chromium(built):
    url = (built / "graph.html").as_uri()
    expected = len(page_json((built / "graph.html").read_text(encoding="utf-8"), "full")["nodes"])
    with open_page(url) as page:
        page.goto(url)
        page.wait_for_function("window.kgView && window.kgView.ready", timeout=10_000)
        assert page.evaluate("window.kgView.view") == "full"
        assert page.evaluate("window.kgView.nodes.length") == expected
        assert page.evaluate("window.kgView.network.body.nodeIndices.length") == expected  # all drawn
        assert page.inner_text("#heading") == "数字中国建设整体布局规划"
        screenshot(page, "graph-zh.png")

        # Search matches zh and en labels.
        page.fill("#search", "北斗")
        assert BEIDOU in page.evaluate("window.kgView.matches")
        assert BEIDOU in page.evaluate("window.kgView.network.getSelectedNodes()")
        page.fill("#search", "beidou")
        assert BEIDOU in page.evaluate("window.kgView.matches")
        page.fill("#search", "")

        # A filter hides and shows nodes.
        before = page.evaluate("window.kgView.visible")
        page.uncheck("#kind-Technology")
        after = page.evaluate("window.kgView.visible")
        hidden = page.evaluate(f"window.kgView.nodes.get({json.dumps(BEIDOU)}).hidden")
        assert after < before and hidden is True
        page.check("#kind-Technology")
        assert page.evaluate("window.kgView.visible") == before
        page.uncheck("#group-Foundation")
        assert page.evaluate("window.kgView.visible") < before
        page.check("#group-Foundation")

        # Clicking a node opens the side panel with its source sentence, in zh and en.
        click_node(page, MEASURE)
        page.wait_for_selector("#source")
        assert "大力推进北斗规模应用" in page.inner_text("#source")
        assert "Beidou" in page.inner_text("#source")
        assert "北斗" in page.inner_text("#side ul")  # its neighbours, as links
        page.click("#side ul a >> text=北斗")
        assert page.evaluate("window.kgView.network.getSelectedNodes()") == [BEIDOU]

        # The zh/en switch, and the framework overview.
        page.click("#lang")
        assert page.inner_text("#heading") == "Overall Layout Plan for Digital China Construction"
        assert page.evaluate(f"window.kgView.nodes.get({json.dumps(BEIDOU)}).label") == "BeiDou Navigation Satellite…"
        page.click("#view-overview")
        page.wait_for_function("window.kgView.ready && window.kgView.view === 'overview'")
        assert page.evaluate("window.kgView.nodes.length") == 1 + 1 + 4 + 11 + 11 + 2 + 5  # plan … guarantees
        screenshot(page, "graph-overview-en.png")
        page.click("#lang")
        screenshot(page, "graph-overview-zh.png")
        assert page.blocked == [] and page.errors == []


CRAFTED = (
    "国务院印发《<img src=x onerror=alert(1)>数字规划》\n"
    "《规划》指出,要推进数字化发展。一是推广“<svg onload=alert(2)>”行动。建设<script>alert(3)</script>数据平台。"
    "二是建设城市数据平台。完善城市运行平台。\n"
    "《规划》提出,到2030年,数字化水平明显提升。"
)


def test_markup_in_the_plan_is_shown_as_text_and_never_run(tmp_path):
    source = tmp_path / "crafted.txt"
    source.write_text(CRAFTED, encoding="utf-8")
    r = run_kg("build", "--skip-checks", "-q", str(source), "--out", str(tmp_path / "build"))
    assert r.returncode == 0, r.stderr
    r = run_kg("viz", "--data", str(tmp_path / "build"), "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "graph.html").read_text(encoding="utf-8")
    assert "<svg onload" not in html and "<img src=x" not in html  # only escaped, inside JSON
    url = (tmp_path / "graph.html").as_uri()
    with open_page(url) as page:
        page.goto(url)
        page.wait_for_function("window.kgView && window.kgView.ready", timeout=10_000)
        page.wait_for_timeout(500)
        assert page.inner_text("#heading") == "<img src=x onerror=alert(1)>数字规划"
        page.fill("#search", "<svg")
        assert page.evaluate("window.kgView.matches.length") >= 1
        assert "<svg onload=alert(2)>" in page.inner_text("#side h2")
        assert page.evaluate("document.querySelectorAll('svg, img, #side script').length") == 0
        assert page.errors == [] and page.blocked == []  # no dialog, no page error, no request


ENTITY = "https://w3id.org/digital-china-kg/id/entity/"
PLAN = "https://w3id.org/digital-china-kg/id/digital-china-overall-layout-plan/"


def click_node(page, node: str) -> None:
    """Click a node where the canvas draws it, as a reader does."""
    point = page.evaluate(
        f"""(() => {{ const v = window.kgView, id = {json.dumps(node)};
            v.network.moveTo({{position: v.network.getPositions([id])[id], scale: 2, animation: false}});
            const p = v.network.canvasToDOM(v.network.getPositions([id])[id]);
            const r = document.getElementById("canvas").getBoundingClientRect();
            return [r.left + p.x, r.top + p.y]; }})()"""
    )
    page.mouse.click(*point)


def test_the_side_panel_reads_relations_from_both_ends(built):
    """An organization's panel says what it does; the plan's says who coordinates it, in the
    page's language, with the ontology's labels and their inverses."""
    url = (built / "graph.html").as_uri()
    with open_page(url) as page:
        page.goto(url)
        page.wait_for_function("window.kgView && window.kgView.ready", timeout=10_000)
        click_node(page, ENTITY + "中央网络安全和信息化委员会")
        side = page.inner_text("#side ul")
        assert "统筹协调 → 数字中国建设整体布局规划" in side and "督促落实 → 数字中国建设整体布局规划" in side
        page.click("#side ul a >> text=数字中国建设整体布局规划")
        assert "由…统筹协调 中央网络安全和信息化委员会" in page.inner_text("#side ul")
        page.click("#lang")
        click_node(page, ENTITY + "中央网络安全和信息化委员会")
        page.click("#side ul a >> text=Overall Layout Plan for Digital China Construction")
        side = page.inner_text("#side ul")
        assert "coordinated by Central Cyberspace Affairs Commission" in side
        assert "overseen by Central Cyberspace Affairs Commission" in side
        click_node(page, PLAN + "goal/2025/target/1")
        assert "concerns pillar → digital infrastructure" in page.inner_text("#side ul")
