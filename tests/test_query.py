"""The named queries, `kg query` and its refusals, checked on the bundled plan."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
import xml.etree.ElementTree as ET

import pytest
from conftest import run_kg
from rdflib import Dataset, Graph, Literal, URIRef

from kg import query as q
from kg import resources
from kg.errors import KGError
from kg.namespaces import compact
from kg.table import width

GROUP_CONCAT_COLUMNS = {"where": "、", "pillars": "; ", "issuers": ", "}


@pytest.fixture(scope="module")
def store(built):
    return q.load_store(str(built))[0]


def select(store, name: str, **params) -> list[dict]:
    named = q.library()[name]
    result = q.run(store, named.text, q.bind(named, params))
    header, body = q.rows(result)
    return [dict(zip(header, row)) for row in body]


def test_the_library_has_titled_bilingual_queries():
    lib = q.library()
    assert len(lib) >= 15
    for name, nq in lib.items():
        assert nq.title and nq.title_zh and nq.description and nq.description_zh, name
    assert [(p.name, p.type, p.default) for p in lib["pillar-tasks"].params] == [
        ("pillar", "iri", "dckg:DigitalEconomy")
    ]
    assert "checks" not in " ".join(lib)  # the quality checks are not named queries


def test_pillars(store):
    rows = select(store, "pillars")
    assert [r["pillar_zh"] for r in rows][:3] == ["数字基础设施", "数据资源体系", "数字经济"]
    assert [int(r["measures"]) for r in rows] == [9, 8, 9, 8, 10, 10, 7, 6, 5, 15, 8]
    assert {r["tasks"] for r in rows} == {"1"}
    assert [r["group"] for r in rows].count("five-in-one") == 5


def test_plan(store):
    (row,) = select(store, "plan")
    assert row["title_zh"] == "数字中国建设整体布局规划" and row["date"] == "--02-27"
    assert set(row["issuers"].split(", ")) == {"CPC Central Committee", "State Council"}
    assert (row["tasks"], row["goals"], row["guarantees"]) == ("11", "2", "5")


def test_tasks_of_a_pillar_and_measures_of_a_task(store):
    (row,) = select(store, "pillar-tasks")
    assert row["task_zh"] == "做强做优做大数字经济" and row["measures"] == "9"
    (row,) = select(store, "pillar-tasks", pillar="dckg:DigitalSecurityBarrier")
    assert row["task_zh"] == "筑牢可信可控的数字安全屏障" and row["measures"] == "5"
    rows = select(store, "task-measures", task="数字安全")
    assert [r["measure_zh"] for r in rows][:2] == ["切实维护网络安全", "完善网络安全法律法规和政策体系"]
    assert rows[0]["sentence_zh"] == "切实维护网络安全,完善网络安全法律法规和政策体系。"
    assert rows[0]["sentence_en"].startswith("Effectively maintain network security")
    assert len(select(store, "task-measures", task="digital economy")) == 9  # English works too


def test_entities_of_a_class(store):
    rows = select(store, "class-entities")
    # 数字技术 inside 数字技术创新体系 is part of that name, not a mention of its own (issue 9).
    # 数字孪生 is in 数字孪生流域; 数字技术's fifth mention is the plan's own (its preamble).
    assert len(rows) == 10 and rows[0]["zh"] == "数字技术" and rows[0]["mentions"] == "5"
    platforms = {r["zh"] for r in select(store, "class-entities", **{"class": "dckg:Platform"})}
    assert {"国家智慧教育平台", "国土空间基础信息平台", "国家产融合作平台"} <= platforms


def test_cross_cutting_goals_targets(store):
    rows = select(store, "cross-cutting")
    assert {r["zh"]: set(r["where"].split("、")) for r in rows} == {
        # Not 数字社会 through 国家智慧教育平台, nor 数字技术创新体系 through its own name.
        "教育": {"数据资源体系", "数字经济"},
        "数字技术": {"数字生态文明", "数字经济"},
    }
    assert [(r["year"], r["targets"]) for r in select(store, "goals")] == [("2025", "13"), ("2035", "3")]
    rows = select(store, "goal-targets", year="2035")
    assert rows[0]["target_zh"] == "数字中国建设体系化布局更加科学完备"
    assert len(rows) == 3


def test_organizations_initiatives_sectors_partners(store):
    roles = {r["zh"]: r["role"] for r in select(store, "organizations")}
    assert roles["中共中央"] == roles["国务院"] == "issued the plan"
    assert roles["新华社"] == "reported the plan" and roles["联合国"] == "named in the plan"
    initiatives = {r["zh"] for r in select(store, "initiatives")}
    assert {
        "清朗",
        "净网",
        "绿灯",
        "一件事一次办",
        "一张图",
        "数字丝绸之路",
        "丝路电商",
        "数字中国建设峰会",
    } <= initiatives
    sectors = {r["zh"]: r["mentions"] for r in select(store, "sectors")}
    assert sectors["教育"] == "2" and sectors["农业"] == "1"  # not inside 国家智慧教育平台
    partners = {r["zh"] for r in select(store, "international-partners")}
    assert partners == {"联合国", "世界贸易组织", "二十国集团", "亚太经合组织", "金砖国家", "上合组织"}


def test_search_and_provenance(store, plan_path):
    rows = select(store, "search")
    assert {(r["label"], r["where"]) for r in rows} == {
        ("北斗", "label"),
        ("大力推进北斗规模应用", "label"),
        ("大力推进北斗规模应用", "source text"),
    }
    hits = select(store, "search", q="BEIDOU")  # English, any case
    assert ("BeiDou Navigation Satellite System", "label") in {(r["label"], r["where"]) for r in hits}
    (row,) = select(store, "provenance")
    source = plan_path.read_text(encoding="utf-8")
    assert source[int(row["start"]) : int(row["end"])] == row["text_zh"] == "大力推进北斗规模应用"
    assert row["paragraph"] == "7" and row["kind"] == "Measure"


def test_principles_query(store):
    rows = select(store, "principles")
    assert [r["zh"] for r in rows][1] == "坚持稳中求进工作总基调" and len(rows) == 2


def test_hierarchy_quality_guarantees_path(store):
    counts = {r["class"]: r["instances"] for r in select(store, "class-hierarchy")}
    assert counts["dckg:Task"] == "11" and counts["dckg:Measure"] == "129"
    assert select(store, "missing-labels") == [] and select(store, "tasks-without-measures") == []
    assert [r["measures"] for r in select(store, "guarantees")] == ["10", "6", "6", "4", "8"]
    assert [r["group_zh"] for r in select(store, "strategic-path")] == ["两大基础", "五位一体", "两大能力", "两个环境"]


def test_pillar_subgraph_construct(store):
    named = q.library()["pillar-subgraph"]
    result = q.run(store, named.text, q.bind(named, {"pillar": "dckg:DigitalSecurityBarrier"}))
    g = Graph().parse(data=q.format_result(result, "ttl"), format="turtle")
    task = URIRef("https://w3id.org/digital-china-kg/id/digital-china-overall-layout-plan/task/3-2")
    assert (
        URIRef("https://w3id.org/digital-china-kg/ontology#DigitalSecurityBarrier"),
        URIRef("https://w3id.org/digital-china-kg/ontology#hasTask"),
        task,
    ) in g
    assert len(set(g.objects(task, URIRef("https://w3id.org/digital-china-kg/ontology#hasMeasure")))) == 5
    assert (None, None, Literal("打通数字基础设施大动脉", lang="zh")) not in g  # other pillars stay out


def _normalize(header, rows) -> set:
    out = set()
    for row in rows:
        cells = []
        for name, value in zip(header, row):
            sep = GROUP_CONCAT_COLUMNS.get(name)
            cells.append(frozenset(value.split(sep)) if sep and value else value)
        out.add(tuple(cells))
    return out


def _rdflib_rows(ds: Dataset, text: str, bindings: dict) -> tuple[list[str], list[list[str]]]:
    init = {}
    for name, term in bindings.items():
        if hasattr(term, "datatype"):
            init[name] = Literal(term.value, datatype=URIRef(term.datatype.value) if term.datatype else None)
        else:
            init[name] = URIRef(term.value)
    result = ds.query(text, initBindings=init)
    header = [str(v) for v in result.vars]
    rows = []
    for row in result:
        cells = []
        for value in row:
            if value is None:
                cells.append("")
            elif isinstance(value, URIRef):
                cells.append(compact(str(value)))
            else:
                cells.append(str(value))
        rows.append(cells)
    return header, rows


@pytest.fixture(scope="module")
def rdflib_dataset(built):
    ds = Dataset(default_union=True)
    ds.parse(built / "full.trig", format="trig")
    return ds


@pytest.mark.parametrize("name", sorted(q.library()))  # one test a query: the workers share them out
def test_results_are_the_same_as_rdflibs(store, rdflib_dataset, name):
    ds, named = rdflib_dataset, q.library()[name]
    bindings = q.bind(named, {})
    result = q.run(store, named.text, bindings)
    if result.kind == "graph":
        from rdflib.compare import isomorphic

        ours = Graph().parse(data=result.payload, format="nt")
        init = {k: URIRef(v.value) for k, v in bindings.items()}
        theirs = ds.query(named.text, initBindings=init).graph
        assert isomorphic(ours, theirs), name
        return
    header, rows = q.rows(result)
    r_header, r_rows = _rdflib_rows(ds, named.text, bindings)
    assert header == r_header, name
    assert _normalize(header, rows) == _normalize(r_header, r_rows), name
    assert len(rows) == len(r_rows), name


# -- the CLI ---------------------------------------------------------------------------


def test_kg_queries_lists_them():
    result = run_kg("queries")
    assert result.returncode == 0
    assert (
        "pillar-tasks" in result.stdout
        and "某一支柱下的任务" in result.stdout
        and "pillar=dckg:DigitalEconomy" in result.stdout
    )


def test_formats(built):
    data = ["--data", str(built)]
    out = run_kg("query", "goals", "--format", "csv", *data).stdout
    assert next(csv.reader(io.StringIO(out))) == ["year", "goal_zh", "goal_en", "targets"]
    out = run_kg("query", "goals", "--format", "tsv", *data).stdout
    assert out.splitlines()[0] == "?year\t?goal_zh\t?goal_en\t?targets"
    doc = json.loads(run_kg("query", "goals", "--format", "json", *data).stdout)
    assert doc["head"]["vars"] == ["year", "goal_zh", "goal_en", "targets"] and len(doc["results"]["bindings"]) == 2
    root = ET.fromstring(run_kg("query", "goals", "--format", "xml", *data).stdout)
    assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    for fmt, parser in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")):
        out = run_kg("query", "pillar-subgraph", "--format", fmt, *data).stdout
        assert len(Graph().parse(data=out, format=parser)) > 50, fmt
    result = run_kg("query", "pillar-subgraph", "--format", "csv", *data)
    assert result.returncode == 2 and "graph result" in result.stderr


def test_table_aligns_chinese_by_display_width(built):
    out = run_kg("query", "pillars", "--format", "table", "--data", str(built)).stdout.splitlines()
    _, rule, *rows = out[:-1]
    starts = [i for i, ch in enumerate(rule) if ch == "-" and (i == 0 or rule[i - 1] == " ")]
    for row in rows:
        # The display column where each cell starts is the same on every line.
        cols = [width(row[:k]) for k in range(len(row) + 1)]
        assert any(c == starts[3] for c in cols), row
    assert out[-1] == "(11 rows)"


def test_params_from_the_command_line_and_stdin(built):
    r = run_kg("query", "pillar-tasks", "-p", "pillar=dckg:DigitalCulture", "-f", "csv", "--data", str(built))
    assert "打造自信繁荣的数字文化" in r.stdout
    r = run_kg("query", "pillar-tasks", "-p", "nope=1", "--data", str(built))
    assert r.returncode == 2 and "unknown parameter 'nope'" in r.stderr
    r = run_kg("query", "goal-targets", "-p", "year=twenty", "--data", str(built))
    assert r.returncode == 2 and "not a year" in r.stderr
    r = run_kg("query", "pillar-tasks", "-p", "pillar=not an iri", "--data", str(built))
    assert r.returncode == 2 and "not an IRI" in r.stderr
    import subprocess

    from conftest import KG

    p = subprocess.run(
        [*KG, "query", "-", "-f", "csv", "--data", str(built)],
        input="SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/digital-china-kg/ontology#Task> }",
        capture_output=True,
        text=True,
    )
    assert p.stdout.splitlines() == ["n", "11"]


def test_an_injected_value_stays_one_literal(store):
    rows = select(store, "search", q='x" } ?s ?p ?o } #')
    assert rows == []
    rows = select(store, "search", q='北斗" . ?node ?p ?o . FILTER("')
    assert rows == []


def test_values_reach_a_subquery_as_substitution_does(store):
    """A parameter a subquery filters on: the VALUES text kg query evaluates (and other
    engines get, and the query page shows) gives the rows pyoxigraph's substitution gives."""
    import pyoxigraph as ox

    named = q.library()["entity-across-plans"]
    bindings = q.bind(named, {"q": "北斗"})
    text = q.with_values(named.text, bindings)
    assert text.count('VALUES ?q { "北斗" }') == 3  # the query's WHERE and each subquery's (two, nested)
    substituted = store.query(named.text, substitutions={ox.Variable("q"): bindings["q"]})
    rows = {tuple(r) for r in substituted}
    assert rows and rows == {tuple(r) for r in store.query(text)}
    assert len(select(store, "entity-across-plans", q="北斗")) == len(rows)


def test_malformed_sparql_names_line_and_column(built):
    r = run_kg("query", "SELECT * WHERE {\n  ?s ?p\n}}", "--data", str(built))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "malformed SPARQL at line 3, column" in r.stderr and len(r.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "CLEAR ALL",
        "DROP GRAPH <http://a>",
    ],
)
def test_updates_are_refused(update, built):
    r = run_kg("query", update, "--data", str(built))
    assert r.returncode == 2 and "updates are refused" in r.stderr


class Listener:
    """A local TCP listener that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def test_the_listener_sees_a_connection(listener):
    socket.create_connection(("127.0.0.1", listener.port)).close()
    time.sleep(0.5)
    assert listener.connections == 1  # so the refusal tests below can trust a zero


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}", "SERVICE"),
        ("SELECT * WHERE {{ ?x ?y ?z SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}", "SERVICE"),
        ("SELECT * FROM <http://127.0.0.1:{port}/g.ttl> WHERE {{ ?s ?p ?o }}", "FROM"),
        ("SELECT * FROM NAMED <http://127.0.0.1:{port}/g.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "FROM"),
        ("LOAD <http://127.0.0.1:{port}/g.ttl>", "updates are refused"),
    ],
)
def test_network_reaching_queries_are_refused_before_anything_runs(listener, built, template, message):
    r = run_kg("query", template.format(port=listener.port), "--data", str(built))
    time.sleep(0.5)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert listener.connections == 0


def test_from_a_local_graph_is_allowed(store):
    text = (
        "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/digital-china-kg/ontology> "
        "WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> }"
    )
    _, rows = q.rows(q.run(store, text))
    assert int(rows[0][0]) > 30


def test_timeout_stops_a_runaway_query(built):
    start = time.monotonic()
    r = run_kg(
        "query",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
        "--timeout",
        "1",
        "--data",
        str(built),
    )
    assert r.returncode == 2 and "timeout" in r.stderr
    assert time.monotonic() - start < 20


def test_run_with_timeout_returns_and_raises():
    assert q.run_with_timeout(lambda: 41 + 1, 5) == 42
    with pytest.raises(KGError, match="boom"):
        q.run_with_timeout(lambda: (_ for _ in ()).throw(KGError("boom")), 5)


def test_without_a_build_the_bundled_plan_is_queried(tmp_path):
    r = run_kg("query", "plan", "-f", "csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "数字中国建设整体布局规划" in r.stdout
    assert resources.default_corpus().exists()
