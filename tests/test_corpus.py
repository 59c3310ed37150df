"""Many reports at once: folders, worker processes, a bad report skipped and named."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from conftest import SECOND_PLAN, run_kg


def _folder(tmp_path, plan_path, second_plan_path):
    folder = tmp_path / "reports"
    (folder / "provincial").mkdir(parents=True)
    shutil.copy(plan_path, folder / plan_path.name)
    shutil.copy(second_plan_path, folder / "provincial" / SECOND_PLAN)
    (folder / "provincial" / "empty.txt").write_text("")
    (folder / "notes.txt").write_text("hello world\n")
    (folder / "ignored.md").write_text("not a report")
    return folder


def test_a_folder_is_read_with_workers_and_a_bad_report_is_skipped(tmp_path, plan_path, second_plan_path):
    folder = _folder(tmp_path, plan_path, second_plan_path)
    out = tmp_path / "build"
    r = run_kg("build", str(folder), "--jobs", "2", "--skip-checks", "-q", "--out", str(out))
    assert r.returncode == 1, r.stderr  # some reports failed: 1, and the rest is built
    lines = r.stderr.strip().splitlines()
    assert f"kg: warning: skipped {folder / 'provincial' / 'empty.txt'}: the file is empty" in lines
    assert any(line.startswith(f"kg: warning: skipped {folder / 'notes.txt'}: no plan found") for line in lines)
    assert lines[-1] == "kg: error: 2 of 4 report(s) could not be read and were skipped; the build holds the rest"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["documents"]) == 2 and [f["path"] for f in summary["failed"]] == [
        str(folder / "notes.txt"),
        str(folder / "provincial" / "empty.txt"),
    ]


def test_fail_fast_stops_at_the_first_bad_report(tmp_path, plan_path, second_plan_path):
    folder = _folder(tmp_path, plan_path, second_plan_path)
    r = run_kg("build", str(folder), "--fail-fast", "--skip-checks", "--out", str(tmp_path / "build"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr  # one line: the report, the reason
    assert r.stderr.startswith(f"kg: error: {folder / 'provincial' / 'empty.txt'}: the file is empty")
    assert not (tmp_path / "build").exists()


def test_workers_write_the_same_bytes_as_one(tmp_path, plan_path, second_plan_path):
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs-{jobs}"
        r = run_kg(
            "build", str(plan_path), str(second_plan_path), "--jobs", jobs, "--skip-checks", "-q", "--out", str(out)
        )
        assert r.returncode == 0, r.stderr
        outs.append(out)
    for name in ("data.nq", "graph.html", "summary.json"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_a_folder_without_reports_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    r = run_kg("build", str(tmp_path / "empty"), "--out", str(tmp_path / "build"))
    assert r.returncode == 2 and "a folder with no *.txt report in it" in r.stderr


# -- questions across plans --------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory, plan_path, second_plan_path):
    out = tmp_path_factory.mktemp("two") / "build"
    r = run_kg("build", str(plan_path), str(second_plan_path), "-q", "--skip-checks", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def _rows(build, name: str, *params: str) -> list[dict]:
    r = run_kg("query", name, *params, "--data", str(build), "--format", "csv")
    assert r.returncode == 0, r.stderr
    return list(csv.DictReader(io.StringIO(r.stdout)))


def test_plans_side_by_side(two_plans):
    rows = {r["title"]: r for r in _rows(two_plans, "plans")}
    assert set(rows) == {"数字中国建设整体布局规划", "“十三五”国家科技创新规划"}
    digital = rows["数字中国建设整体布局规划"]
    assert (
        digital["tasks"] == "11"
        and digital["measures"] == "129"
        and (digital["first_year"], digital["last_year"]) == ("2025", "2035")
    )
    assert set(digital["issuers"].split(", ")) == {"中共中央", "国务院"}
    assert rows["“十三五”国家科技创新规划"]["indicators"] == "3"


def test_shared_entities_and_issuers_by_year(two_plans):
    shared = _rows(two_plans, "shared-entities")
    assert shared[0]["plans"] == "2" and {r["zh"] for r in shared if r["plans"] == "2"} >= {"国务院"}
    issued = {(r["issuer"], r["plan_title"]): r["year"] for r in _rows(two_plans, "issuers-by-year")}
    assert issued[("国务院", "“十三五”国家科技创新规划")] == "2020"  # its nearest goal: no year in its date


def test_entity_across_plans_and_metrics(two_plans):
    rows = _rows(two_plans, "entity-across-plans", "-p", "q=北斗")
    assert [(r["plan_title"], r["kind"], r["where_zh"]) for r in rows] == [
        ("数字中国建设整体布局规划", "Measure", "大力推进北斗规模应用")
    ]
    metrics = _rows(two_plans, "indicators-by-metric")
    assert {r["metric"] for r in metrics} >= {"研发投入强度", "科技进步贡献率"} and all(
        r["plans"] == "1" for r in metrics
    )


# -- incremental ----------------------------------------------------------------------------------


def test_a_rebuild_reads_again_only_what_changed(tmp_path, two_reports, second_plan_path, monkeypatch):
    from kg import corpus

    folder = two_reports
    calls: list[str] = []
    extract = corpus._extract
    monkeypatch.setattr(corpus, "_extract", lambda job: calls.append(job[0]) or extract(job))
    out = tmp_path / "build"

    def build(*extra: str) -> None:
        r = run_kg("build", str(folder), "--jobs", "1", "--skip-checks", "-q", "--out", str(out), *extra)
        assert r.returncode == 0, r.stderr

    build()
    assert len(calls) == 2
    calls.clear()
    build()
    assert calls == []  # nothing changed: every report's facts are reused
    facts = out / "facts.json"
    record = json.loads(facts.read_text(encoding="utf-8"))  # one JSON document, a report a line
    assert len(facts.read_text(encoding="utf-8").splitlines()) == 2 + 2
    facts.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")  # as an earlier kg wrote it
    build()
    assert calls == [] and json.loads(facts.read_text(encoding="utf-8")) == record
    second = folder / second_plan_path.name
    second.write_text(second.read_text(encoding="utf-8") + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    build()
    assert calls == [str(second)]  # only the changed one is read again
    fresh = tmp_path / "fresh"
    monkeypatch.setattr(corpus, "load_kept", lambda folder, key: ({}, None))
    r = run_kg("build", str(folder), "--jobs", "1", "--skip-checks", "-q", "--out", str(fresh))
    assert r.returncode == 0, r.stderr
    for name in ("data.nq", "summary.json", "facts.json", "graph.html"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name  # as if built from scratch


def _quads(folder) -> set:
    import pyoxigraph as ox

    return set(ox.Store.read_only(str(folder / "store")).quads_for_pattern(None, None, None, None))


def test_a_rebuild_updates_a_copy_of_the_last_store_to_what_a_full_build_writes(tmp_path, monkeypatch):
    """Changed, removed and added reports: the rebuild copies the last store and updates it
    (its default graph keeping each triple once), and holds exactly the quads of a build
    from scratch; it draws the pages of the changed plans alone, and they are the same
    bytes. A rebuild with most reports changed loads the store whole instead."""
    from corpus_gen import generate

    from kg import resources, viz
    from kg import store as kg_store

    reports = tmp_path / "reports"
    paths = generate(reports, 24, seed=3, source=resources.data_dir("corpus"))
    out = tmp_path / "build"

    def build(folder) -> None:
        r = run_kg("build", str(reports), "--skip-checks", "-q", "--no-files", "--out", str(folder))
        assert r.returncode == 0, r.stderr

    build(out)
    updated: list[bool] = []
    update = kg_store._update_store
    monkeypatch.setattr(
        kg_store, "_update_store", lambda *a: (made := update(*a), updated.append(made[0] is not None))[0]
    )
    paths[3].write_text(paths[3].read_text(encoding="utf-8") + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    paths[5].unlink()
    (reports / "added.txt").write_text(paths[7].read_text(encoding="utf-8").replace("2025", "2027"), encoding="utf-8")
    drawn: list[int] = []
    draw = viz.network_page
    monkeypatch.setattr(viz, "network_page", lambda *a, **k: drawn.append(1) or draw(*a, **k))
    build(out)
    assert updated == [True] and len(drawn) == 2  # the changed plan's page and the added one's
    fresh = tmp_path / "fresh"
    build(fresh)  # nothing to start from
    assert updated == [True] and len(drawn) == 2 + 24
    assert _quads(out) == _quads(fresh)
    pages = sorted(p.name for p in (fresh / "plans").iterdir())
    assert pages == sorted(p.name for p in (out / "plans").iterdir()) and len(pages) == 24 + 3
    assert all((out / "plans" / n).read_bytes() == (fresh / "plans" / n).read_bytes() for n in pages)
    import pyoxigraph as ox

    default = [q for q in _quads(out) if isinstance(q.graph_name, ox.DefaultGraph)]
    assert default and len(default) < len(_quads(out)) - len(default)  # the union, each triple once
    loads: list[int] = []
    load = kg_store.write_store
    monkeypatch.setattr(kg_store, "write_store", lambda *a, **k: (loads.append(1), load(*a, **k))[1])
    for p in paths[8:]:  # most reports changed: the bulk loader, whole, and no update tried
        p.write_text(p.read_text(encoding="utf-8") + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    build(out)
    assert updated == [True] and loads == [1]


def test_a_rebuilds_checks_query_the_updated_store_and_its_compaction_runs_beside_the_gate(
    tmp_path, plan_path, second_plan_path, monkeypatch
):
    """A rebuild's SPARQL checks run on the updated store before its compaction (which then
    runs while the gate and the outputs are made), the compaction ends before the folder
    is swapped in, and the gate finds what it finds on a build from nothing."""
    from kg import check, outdir
    from kg import store as kg_store

    reports = tmp_path / "reports"
    reports.mkdir()
    paths = [reports / p.name for p in (plan_path, second_plan_path)]
    for p in (plan_path, second_plan_path):
        shutil.copy(p, reports)
    monkeypatch.setattr(kg_store, "UPDATE_SHARE", 0.5)  # one report of two: updated, not loaded whole

    def build(folder) -> dict:
        r = run_kg("build", str(reports), "-q", "--no-files", "--out", str(folder))
        assert r.returncode == 0, r.stderr
        return json.loads((folder / "summary.json").read_text(encoding="utf-8"))["checks"]

    out = tmp_path / "build"
    build(out)
    events: list[str] = []
    checks, compact, swap = check.sparql_checks, kg_store._compact, outdir._swap_in
    monkeypatch.setattr(check, "sparql_checks", lambda *a, **k: (checks(*a, **k), events.append("checks"))[0])
    monkeypatch.setattr(kg_store, "_compact", lambda holder: (compact(holder), events.append("compacted"))[0])
    monkeypatch.setattr(outdir, "_swap_in", lambda *a: (events.append("swapped"), swap(*a))[1])
    paths[1].write_text(paths[1].read_text(encoding="utf-8") + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    rebuilt = build(out)
    assert events == ["checks", "compacted", "swapped"]
    events.clear()
    assert rebuilt == build(tmp_path / "fresh")
    assert events == ["checks", "swapped"]  # a build from nothing loads its store whole: no compaction
    assert _quads(out) == _quads(tmp_path / "fresh")


def test_an_updated_store_is_compacted_once_its_updates_add_up(tmp_path, plan_path, second_plan_path, monkeypatch):
    """The store of a rebuild is compacted once the graphs replaced since its last
    compaction (or whole load) reach COMPACT_SHARE of its graphs, which its folder records
    until then; compacted or not, it holds what a build from nothing holds."""
    from kg import store as kg_store

    reports = tmp_path / "reports"
    reports.mkdir()
    paths = [reports / p.name for p in (plan_path, second_plan_path)]
    for p in (plan_path, second_plan_path):
        shutil.copy(p, reports)
    monkeypatch.setattr(kg_store, "UPDATE_SHARE", 0.5)
    monkeypatch.setattr(kg_store, "COMPACT_SHARE", 0.6)  # 3 graphs (2 plans, the ontology): at 2 replaced
    compacted: list[int] = []
    compact = kg_store._compact
    monkeypatch.setattr(kg_store, "_compact", lambda holder: (compact(holder), compacted.append(1))[0])
    out = tmp_path / "build"

    def build(folder) -> None:
        r = run_kg("build", str(reports), "-q", "--skip-checks", "--no-files", "--out", str(folder))
        assert r.returncode == 0, r.stderr

    def change(k: int) -> None:
        text = paths[k].read_text(encoding="utf-8")
        paths[k].write_text(text + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")

    build(out)
    record = out / "store" / kg_store.UPDATES
    assert not record.exists()  # loaded whole: compact
    change(1)
    build(out)
    assert compacted == [] and json.loads(record.read_text(encoding="utf-8")) == {"replaced": 1}
    build(tmp_path / "fresh")
    assert _quads(out) == _quads(tmp_path / "fresh")
    change(0)
    build(out)
    assert compacted == [1] and not record.exists()
    shutil.rmtree(tmp_path / "fresh")
    build(tmp_path / "fresh")
    assert _quads(out) == _quads(tmp_path / "fresh")


def test_an_update_started_on_a_store_of_the_other_kind_is_dropped_for_a_whole_load(
    tmp_path, plan_path, second_plan_path, monkeypatch
):
    """A rebuild's store update starts before its graph is made, from the last store's kind
    (one plan: no default-graph union); when the graph turns out of the other kind (two
    plans that share entities), the update and its checks are dropped and the store is
    loaded whole: it holds what a build from nothing holds."""
    from kg import store as kg_store

    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(plan_path, reports)
    monkeypatch.setattr(kg_store, "UPDATE_SHARE", 1.0)
    out = tmp_path / "build"

    def build(folder) -> None:
        r = run_kg("build", str(reports), "-q", "--no-files", "--out", str(folder))
        assert r.returncode == 0, r.stderr

    build(out)
    applied: list = []
    update = kg_store._update_into
    monkeypatch.setattr(kg_store, "_update_into", lambda *a: (kind := update(*a), applied.append(kind))[0])
    loads: list[int] = []
    load = kg_store.write_store
    monkeypatch.setattr(kg_store, "write_store", lambda *a, **k: (loads.append(1), load(*a, **k))[1])
    shutil.copy(second_plan_path, reports)
    build(out)
    assert applied == [False] and loads == [1]  # updated as a store without the union, then loaded whole
    build(tmp_path / "fresh")
    assert _quads(out) == _quads(tmp_path / "fresh")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["checks"] == json.loads((tmp_path / "fresh" / "summary.json").read_text(encoding="utf-8"))["checks"]


def test_another_lexicon_reads_everything_again(tmp_path, plan_path, monkeypatch):
    from kg import corpus, resources

    calls: list[str] = []
    extract = corpus._extract
    monkeypatch.setattr(corpus, "_extract", lambda job: calls.append(job[0]) or extract(job))
    out = tmp_path / "build"
    assert run_kg("build", str(plan_path), "--skip-checks", "-q", "--out", str(out)).returncode == 0
    lexicon = tmp_path / "lexicon.tsv"
    lexicon.write_text(resources.lexicon_file().read_text(encoding="utf-8") + "数字样例\tdigital sample\tSystem\n")
    calls.clear()
    r = run_kg("build", str(plan_path), "--lexicon", str(lexicon), "--skip-checks", "-q", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert calls == [str(plan_path)]  # the reader's vocabulary changed: its facts may too


# -- the on-disk store -------------------------------------------------------------------------


def test_read_commands_open_the_store_of_a_build_without_flat_files(tmp_path, two_plans, plan_path, second_plan_path):
    out = tmp_path / "build"
    r = run_kg("build", str(plan_path), str(second_plan_path), "--no-files", "--skip-checks", "-q", "--out", str(out))
    assert r.returncode == 0, r.stderr
    names = {p.name for p in out.iterdir()}
    assert {"store", "data.nq"} <= names and not [n for n in names if n.startswith("full.") or n == "data.ttl"]
    # kg query reads the store (there is no full.trig to parse) and answers as from the flat files.
    r = run_kg("query", "plans", "--data", str(out), "--format", "csv", "-v")
    assert r.returncode == 0 and f"reading {out / 'store'}" in r.stderr, r.stderr
    assert r.stdout == run_kg("query", "plans", "--data", str(two_plans), "--format", "csv").stdout
    # The others read data.nq, which a build always writes.
    assert run_kg("stats", "--data", str(out), "--json").returncode == 0
    void = (out / "void.ttl").read_text(encoding="utf-8")
    assert "distribution/data.nq" in void and "distribution/full.trig" not in void


def test_the_store_holds_the_graph_with_its_ontology(two_plans):
    import pyoxigraph as ox

    from kg.rdf import ONTOLOGY_IRI, Data

    store = ox.Store.read_only(str(two_plans / "store"))
    stored = list(store.quads_for_pattern(None, None, None, None))
    named = {q for q in stored if not isinstance(q.graph_name, ox.DefaultGraph)}
    full = Data.load([two_plans / "full.trig"])
    assert named == set(full.quads) and any(q.graph_name == ONTOLOGY_IRI for q in named)
    # The default graph: the union, each triple once (the two plans share entities).
    default = [q.triple for q in stored if isinstance(q.graph_name, ox.DefaultGraph)]
    assert len(default) == len(set(default)) and set(default) == set(full.union())
    assert len(default) < len(named)


def test_a_plans_store_leaves_its_default_graph_to_oxigraphs_union(built):
    """One plan: no triple is in two graphs, so no default-graph copy is stored, and a query
    without GRAPH still sees every triple (Oxigraph's union, the same thing then)."""
    import pyoxigraph as ox

    from kg.rdf import Data

    store = ox.Store.read_only(str(built / "store"))
    assert not list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert set(store.quads_for_pattern(None, None, None, None)) == set(Data.load([built / "full.trig"]).quads)
    counted = run_kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--data", str(built), "--format", "csv")
    assert counted.stdout.split()[1] == str(len(Data.load([built / "full.trig"]).union()))


def test_a_shared_entity_counts_once_without_graph(two_plans):
    """A query without GRAPH sees each triple once, though both plans' graphs hold the
    entities they share: Oxigraph's own union would give a shared entity's label twice."""
    text = ("SELECT ?e (COUNT(?l) AS ?n) WHERE { { SELECT DISTINCT ?e WHERE { ?u dckg:mentions ?e } } "
            '?e rdfs:label ?l FILTER(LANG(?l) = "zh") } GROUP BY ?e HAVING (COUNT(?l) > 1)')  # fmt: skip
    shared = run_kg("query", text, "--data", str(two_plans), "--format", "csv")
    assert shared.returncode == 0, shared.stderr
    assert shared.stdout.strip().splitlines() == ["e,n"]
    both = run_kg("query", "shared-entities", "--data", str(two_plans), "--format", "csv")
    assert len(both.stdout.strip().splitlines()) > 1  # the two plans do share entities


def test_a_progress_bar_on_a_terminal_and_a_summary_line_in_a_pipe(tmp_path, plan_path, second_plan_path):
    import os
    import pty
    import subprocess

    from conftest import KG

    args = ["build", str(plan_path), str(second_plan_path), "--skip-checks", "--jobs", "1"]
    leader, follower = pty.openpty()
    # Every tick drawn (tqdm reads its defaults from TQDM_* variables): with its 0.1 s
    # default, two reports read faster than that showed no 1/2 frame, on a fast moment.
    env = {**os.environ, "TQDM_MININTERVAL": "0"}
    proc = subprocess.Popen(
        [*KG, *args, "--out", str(tmp_path / "tty")], stdout=subprocess.DEVNULL, stderr=follower, env=env
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes with the process
            break
        if not chunk:
            break
        shown += chunk
    assert proc.wait(60) == 0
    text = shown.decode("utf-8", "replace")
    assert "reading" in text and "1/2 [" in text and "report/s" in text, text  # counts, rate and ETA
    # In a pipe: no bar, and the summary names what a rebuild reused.
    r = run_kg(*args, "--out", str(tmp_path / "tty"))
    assert "reading" not in r.stderr and "reports: 0 read, 2 kept from the last build, 0 skipped" in r.stdout
    timings = json.loads((tmp_path / "tty" / "timings.json").read_text(encoding="utf-8"))
    assert [x["status"] for x in timings["reports"]] == ["kept", "kept"]
    summary = json.loads((tmp_path / "tty" / "summary.json").read_text(encoding="utf-8"))
    assert summary["reports"] == [
        {"path": str(plan_path), "status": "built"},
        {"path": str(second_plan_path), "status": "built"},
    ]


# -- the gate at corpus scale --------------------------------------------------------------------


def _two_readings(tmp_path):
    """Two reports that read one name two ways: a body in one, a campaign (quoted) in the other."""
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "国务院印发《城市数据发展规划》。\n《规划》部署了两方面重点任务。一是成立国家城市数据委员会。二是建设城市数据平台。\n",
        encoding="utf-8",
    )
    (folder / "b.txt").write_text(
        "国务院印发《乡村数据发展规划》。\n《规划》部署了两方面重点任务。一是开展“国家城市数据委员会”活动。二是建设乡村数据平台。\n",
        encoding="utf-8",
    )
    return folder


def test_the_corpus_gate_finds_what_two_documents_say_against_each_other(tmp_path, monkeypatch):
    """HermiT reasons over a sample (here the first document only); the SPARQL checks run on
    the whole corpus and find the entity the two documents type two disjoint ways."""
    from kg import check

    monkeypatch.setattr(check, "REASONER_SAMPLE", 200)  # the first document's 166 triples, not the second's
    folder = _two_readings(tmp_path)
    r = run_kg("build", str(folder), "--jobs", "2", "--out", str(tmp_path / "build"))
    assert r.returncode == 1, r.stderr
    assert "consistent on the ontology and 1 of 2 documents" in r.stderr  # HermiT saw only the first
    assert "1 check(s) failed: disjoint-types (1)" in r.stderr
    assert not (tmp_path / "build").exists()  # the gate refused it: nothing written


def test_shapes_run_per_document_in_the_workers_and_are_kept_with_the_facts(tmp_path, plan_path, second_plan_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for p in (plan_path, second_plan_path):
        shutil.copy(p, folder / p.name)
    out = tmp_path / "build"
    r = run_kg("build", str(folder), "--jobs", "2", "-q", "--out", str(out))
    assert r.returncode == 0, r.stderr
    kept = json.loads((out / "facts.json").read_text(encoding="utf-8"))["documents"]
    assert all(isinstance(d.get("findings"), list) for d in kept.values())  # what the gate found in each
    first = json.loads((out / "summary.json").read_text(encoding="utf-8"))["checks"]
    r = run_kg("build", str(folder), "--jobs", "2", "-q", "--out", str(out))  # reused, findings and all
    assert r.returncode == 0 and json.loads((out / "summary.json").read_text(encoding="utf-8"))["checks"] == first
    # The same findings as the gate on the whole graph, document by document.
    from kg import build, check, rdf, resources

    data = build.dataset([plan_path, second_plan_path])
    whole = check.run(data, rdf.load_ontology(resources.ontology_file()), reasoner=False)
    counts = check.summary(whole)
    for key in ("shape_violations", "shape_warnings"):
        assert counts[key] == first[key], key


# -- past one machine ----------------------------------------------------------------------------


def test_a_dask_cluster_builds_the_same_bytes(tmp_path, plan_path, second_plan_path):
    """kg build --scheduler: the reports are read (and their shapes checked) on the workers of
    a Dask cluster, here a LocalCluster of two worker processes; the build is byte-identical
    to a local one."""
    distributed = pytest.importorskip("distributed")
    folder = _folder(tmp_path, plan_path, second_plan_path)
    local = tmp_path / "local"
    r = run_kg("build", str(folder), "--jobs", "1", "-q", "--out", str(local))
    assert r.returncode == 1, r.stderr  # two reports of the folder cannot be read
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = tmp_path / "remote"
        r = run_kg("build", str(folder), "--scheduler", cluster.scheduler_address, "-q", "--out", str(remote))
        assert r.returncode == 1, r.stderr
        assert "skipped" in r.stderr and "empty.txt" in r.stderr  # the bad reports are named all the same
    for name in ("data.nq", "full.trig", "graph.html", "summary.json", "facts.json", "void.ttl", "inferred.ttl"):
        assert (local / name).read_bytes() == (remote / name).read_bytes(), name


def test_an_unreachable_scheduler_is_one_line(tmp_path, plan_path):
    pytest.importorskip("distributed")
    r = run_kg("build", str(plan_path), "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "b"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "cannot reach the Dask scheduler" in r.stderr and not (tmp_path / "b").exists()


# -- the view at corpus scale --------------------------------------------------------------------


def test_the_corpus_view_in_chromium(tmp_path):
    """graph.html of a corpus opens on its index: plans by issuer, the entities they share;
    a plan's own network view is one click away. Offline: nothing leaves the folder."""
    from browser import open_page
    from corpus_gen import generate

    from kg import resources

    reports = tmp_path / "reports"
    generate(reports, 30, seed=7, source=resources.data_dir("corpus"))  # from the two bundled reports
    out = tmp_path / "build"
    r = run_kg("build", str(reports), "--skip-checks", "-q", "--out", str(out))
    assert r.returncode == 0, r.stderr
    pages = sorted(p.name for p in (out / "plans").iterdir())
    assert len([p for p in pages if p.endswith(".html")]) == 30 and "vis-network.min.js" in pages
    url = (out / "graph.html").as_uri()
    with open_page(out.as_uri()) as page:
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']", timeout=5_000)
        assert page.locator("#plans tbody tr:not(.issuer)").count() == 30
        assert page.locator("#plans tr.issuer").count() >= 2  # grouped by issuer
        shared = page.locator("#shared tbody tr").count()
        assert shared > 0
        page.fill("#search", "国务院")
        assert 0 < page.locator("#plans tbody tr:not(.issuer)").count() <= 30
        page.fill("#search", "")
        first = page.locator("#plans tbody tr:not(.issuer) a").first
        first.click()
        page.wait_for_function("window.kgView && window.kgView.ready", timeout=10_000)
        assert page.evaluate("window.kgView.nodes.length") > 0 and "/plans/" in page.url
        assert page.blocked == [] and page.errors == []


def test_kg_serve_serves_the_plan_pages_and_nothing_else(two_plans):
    import urllib.error
    import urllib.request

    from conftest import start_kg_serve

    base, _, proc = start_kg_serve(two_plans, "--workers", "1")
    try:
        index = urllib.request.urlopen(base + "/graph", timeout=10).read().decode()
        assert 'id="plans"' in index  # the corpus index
        name = sorted(p.name for p in (two_plans / "plans").glob("*.html"))[0]
        with urllib.request.urlopen(f"{base}/plans/{name}", timeout=10) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
        with urllib.request.urlopen(f"{base}/plans/vis-network.min.js", timeout=10) as r:
            assert r.headers["Content-Type"].startswith("text/javascript")
        for bad in ("..%2Fdata.nq", "%2E%2E%2Fbuild.json", ".kg-build", "nothing.html", "x.txt"):
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(f"{base}/plans/{bad}", timeout=10)
            assert e.value.code == 404, bad
    finally:
        proc.terminate()
        proc.wait(10)


def _store_quads(path):
    import pyoxigraph as ox

    return set(ox.Store.read_only(str(path)))


def test_a_store_loaded_from_files_on_a_thread_holds_what_the_quads_give(tmp_path, monkeypatch):
    """start_store's files, read by the bulk loader, give the store the quads and, where a
    triple repeats, the union in the default graph: blank nodes keep their names (the
    loader renames those of a file, which would cut an ontology's OWL list where it spans
    two files), a literal that reads "_:" is not taken for one, the union's triples (given
    as Triples) land in the default graph, and the files are removed."""
    from concurrent.futures import ThreadPoolExecutor

    import pyoxigraph as ox

    from kg import resources
    from kg import store as kg_store
    from kg.rdf import Data, Literal, NamedNode, load_ontology

    ontology = load_ontology(resources.ontology_file())
    docs = [NamedNode("https://example.org/id/doc/graph"), NamedNode("https://example.org/id/other/graph")]
    quads = [ox.Quad(NamedNode(f"https://example.org/id/e{i}"), NamedNode("https://example.org/p"),
                     Literal(f"text {i} _:b{i}" if i % 5 == 0 else f"text {i}"), docs[i % 3 == 0])
             for i in range(40)]  # fmt: skip
    for repeats in (False, True):
        if repeats:  # e0-e9 stated by both graphs
            quads += [ox.Quad(q.subject, q.predicate, q.object, docs[1]) for q in quads[:10]]
        full = Data(quads).with_ontology(ontology)
        assert any(isinstance(q.object, ox.BlankNode) for q in full.quads)
        assert kg_store.has_repeats(full) is repeats
        monkeypatch.setattr(kg_store, "SOURCE_BATCH", 7)  # many files, each blank-node list across several
        stores = tmp_path / f"stores-{repeats}"
        stores.mkdir()
        with ThreadPoolExecutor(1) as pool:
            kg_store.start_store(full, stores / "from-files", pool, False, repeats)[0].result()
        union = {ox.Quad(*t, ox.DefaultGraph()) for t in full.union()} if repeats else set()
        assert union == set() or len(union) == len({q.triple for q in full.quads})
        assert _store_quads(stores / "from-files") == set(full.quads) | union
        assert sorted(p.name for p in stores.iterdir()) == ["from-files"]  # no source folder left


def test_a_build_that_fails_while_its_store_loads_waits_for_it_and_leaves_nothing(
    tmp_path, plan_path, second_plan_path, monkeypatch
):
    """The store loads on a thread while the flat files are written: a failure there stops
    the build, the thread ends before its staging folder is removed, and the last build is
    untouched."""
    import time

    from kg import blocks, build
    from kg import store as kg_store
    from kg.errors import KGError

    out = tmp_path / "build"
    # The last build of another plan: this one's store is loaded whole, not updated.
    assert run_kg("build", "-q", "--skip-checks", "--out", str(out), str(second_plan_path)).returncode == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    ended = []
    write_store = kg_store.write_store

    def slow_store(*args, **kwargs):
        time.sleep(1.0)  # still loading when the flat file fails
        write_store(*args, **kwargs)
        ended.append(time.monotonic())

    def failing(segmented, fmt, path, *rest):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kg_store, "write_store", slow_store)
    monkeypatch.setattr(blocks, "write", failing)
    with pytest.raises(KGError, match="No space left on device"):
        build.run([plan_path], out, checks=False)
    assert ended  # the load had ended when run returned (it was still sleeping when the file failed)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["build"]  # no staging or source folder


def test_a_rebuild_whose_copy_fails_on_its_thread_leaves_the_last_build(tmp_path, monkeypatch):
    """A rebuild copies the unchanged reports' runs on a thread of its own (blocks.Copies):
    a failure there (a full disk) fails the build with the error, and the last build, its
    flat files among them, is untouched; no staging folder is left."""
    from corpus_gen import generate

    from kg import blocks, build, resources
    from kg.errors import KGError

    reports = tmp_path / "reports"
    paths = generate(reports, 4, seed=3, source=resources.data_dir("corpus"))
    out = tmp_path / "build"
    build.run([reports], out, checks=False)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    paths[1].write_text(paths[1].read_text(encoding="utf-8") + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    threads: list[str] = []

    def failing(src, dst, offset, length, at):
        import threading

        threads.append(threading.current_thread().name)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(blocks, "_copy", failing)
    with pytest.raises(KGError, match="No space left on device"):
        build.run([reports], out, checks=False)
    assert threads and threads[0].startswith("kg-copies")
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "reports"]


def test_the_gates_checks_run_on_the_new_store_while_the_flat_files_are_written(tmp_path, plan_path, monkeypatch):
    """The SPARQL checks start once the store is in, on its thread, not after the flat
    files: the first flat file waits here until they have run (it would wait in vain, and
    the test fail, if they ran only after the files)."""
    import threading

    from kg import blocks, check

    ran = threading.Event()
    checks = check.sparql_checks
    monkeypatch.setattr(check, "sparql_checks", lambda *a, **k: (checks(*a, **k), ran.set())[0])
    write = blocks.write
    waited: list[bool] = []

    def waiting(segmented, fmt, path, *rest):
        if not waited:
            waited.append(ran.wait(60))
        return write(segmented, fmt, path, *rest)

    monkeypatch.setattr(blocks, "write", waiting)
    r = run_kg("build", str(plan_path), "-q", "--out", str(tmp_path / "build"))
    assert r.returncode == 0, r.stderr
    assert waited == [True]
    summary = json.loads((tmp_path / "build" / "summary.json").read_text(encoding="utf-8"))
    assert summary["checks"]["failed_checks"] == 0 and "check_warnings" in summary["checks"]


def test_the_old_build_is_removed_on_a_thread_while_the_build_lets_go_of_its_graph(tmp_path, plan_path, monkeypatch):
    """kg build removes the old build it swapped out on a thread of its own, and returns only
    once it is gone: no folder is left beside the build. outdir.replace without
    ``background`` removes it before it returns."""
    import shutil
    import threading

    from kg import build, outdir

    out = tmp_path / "build"
    assert run_kg("build", str(plan_path), "-q", "--skip-checks", "--no-files", "--out", str(out)).returncode == 0
    removed_on: list[str] = []
    rmtree = shutil.rmtree

    def recording(path, *a, **k):
        if ".kg-new-" in str(path):
            removed_on.append(threading.current_thread().name)
        return rmtree(path, *a, **k)

    monkeypatch.setattr(shutil, "rmtree", recording)
    assert run_kg("build", str(plan_path), "-q", "--skip-checks", "--no-files", "--out", str(out)).returncode == 0
    assert removed_on and removed_on[0] != threading.main_thread().name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]
    removed_on.clear()
    assert outdir.replace(out, iter([("summary.json", b"{}")]), set(build.output_names())) is None
    assert removed_on == [threading.main_thread().name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_a_large_old_build_is_removed_by_a_detached_process_and_a_killed_one_by_the_next_build(
    tmp_path, plan_path, monkeypatch
):
    """An old build of DETACH_ABOVE bytes or more is removed by a process of its own, which
    kg build does not wait for: the new build is in place when it returns, and the old one
    is gone soon after, removed by no thread of this process. What a removal killed midway
    leaves (a ``.kg-old-<dead pid>`` folder) the next build removes; one whose process is
    alive it leaves alone."""
    import os
    import subprocess
    import sys
    import threading
    import time

    from kg import outdir

    out = tmp_path / "build"
    flags = ("-q", "--skip-checks", "--no-files", "--out", str(out))
    limit = outdir.DETACH_ABOVE
    assert run_kg("build", str(plan_path), *flags).returncode == 0
    first = (out / "summary.json").read_bytes()
    monkeypatch.setattr(outdir, "DETACH_ABOVE", 1)
    removed_here: list[str] = []
    rmtree = shutil.rmtree

    def recording(path, *a, **k):
        removed_here.append(threading.current_thread().name)
        return rmtree(path, *a, **k)

    monkeypatch.setattr(shutil, "rmtree", recording)
    assert run_kg("build", str(plan_path), *flags).returncode == 0
    assert (out / "summary.json").read_bytes() == first  # the new build, whole
    deadline = time.monotonic() + 60
    while sorted(p.name for p in tmp_path.iterdir()) != ["build"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]
    assert removed_here == []  # not by this process

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = tmp_path / f".build.kg-old-{int(dead.stdout)}"
    alive = tmp_path / f".build.kg-old-{os.getppid()}"
    for folder in (killed, alive):
        (folder / "store").mkdir(parents=True)
        (folder / "data.nq").write_bytes(b"half removed")
    monkeypatch.setattr(outdir, "DETACH_ABOVE", limit)
    assert run_kg("build", str(plan_path), *flags).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["build", alive.name])


def test_a_rebuild_asks_its_node_checks_of_the_changed_reports_nodes_and_finds_what_a_full_build_does(
    tmp_path, plan_path, second_plan_path, monkeypatch
):
    """A rebuild's node-scope checks are asked of the nodes the changed, added and removed
    reports name (a VALUES block), the last build's other findings kept: the findings are
    those of a build from nothing, new ones and gone ones included; a corpus-scope check is
    asked whole."""
    from kg import check
    from kg import store as kg_store

    reports = tmp_path / "reports"
    reports.mkdir()
    second = second_plan_path.read_text(encoding="utf-8")
    texts = [plan_path.read_text(encoding="utf-8"), second, second.replace("2025", "2027"), second]
    paths = [reports / f"{k}-{name}" for k, name in enumerate((plan_path.name, SECOND_PLAN, SECOND_PLAN, "copy.txt"))]
    for path, text in zip(paths, texts):
        path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(kg_store, "UPDATE_SHARE", 0.5)  # two reports of four: updated, not loaded whole

    def build(folder) -> tuple[dict, dict]:
        r = run_kg("build", str(reports), "-q", "--no-files", "--out", str(folder))
        assert r.returncode == 0, r.stderr
        record = json.loads((folder / "store" / kg_store.CHECKS).read_text(encoding="utf-8"))
        return record, json.loads((folder / "summary.json").read_text(encoding="utf-8"))["checks"]

    out = tmp_path / "build"
    before, _ = build(out)
    assert before["key"] == check.checks_key() and sum(map(len, before["findings"].values())) > 10
    asked: list[tuple[str, bool]] = []
    findings = check._check_findings
    monkeypatch.setattr(check, "_check_findings", lambda store, c, query=None: (
        asked.append((c.name, query is not None and "VALUES" in query)), findings(store, c, query))[1])  # fmt: skip
    # A measure naming nothing added (a new finding), a report removed (its findings gone).
    paths[1].write_text(paths[1].read_text(encoding="utf-8") + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    gone = [f for rows in before["findings"].values() for f, _ in rows if "/3-copy/" in f]
    paths[3].unlink()
    rebuilt, summary = build(out)
    scoped = {name for name, focused in asked if focused}
    assert scoped == {c.name for c in check.load_checks() if c.scope == "node"} and ("duplicate-label", False) in asked
    asked.clear()
    fresh, fresh_summary = build(tmp_path / "fresh")
    assert not any(focused for _, focused in asked)  # a store loaded whole: every check asked whole
    assert rebuilt == fresh and summary == fresh_summary
    assert gone and not any("/3-copy/" in f for rows in rebuilt["findings"].values() for f, _ in rows)
    assert rebuilt != before
