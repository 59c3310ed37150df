"""End to end: the `kg` command as a user runs it, checked by SPARQL over what it writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import run_kg, snapshot
from rdflib import Dataset, Graph

from kg import resources

PREFIXES = """
PREFIX dckg: <https://w3id.org/digital-china-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""
OUTPUTS = [f"{kind}.{ext}" for kind in ("data", "full") for ext in ("ttl", "nt", "trig", "jsonld", "rdf")] + [
    "data.nq",
    "ontology.ttl",
    "ontology.owl",
    "ontology.html",
    "inferred.ttl",
    "inferred.trig",
    "graph.html",
    "overview.svg",
    "overview.png",
    "summary.json",
]


def q(g: Graph, query: str) -> list[tuple]:
    return [tuple(str(x) if x is not None else None for x in row) for row in g.query(PREFIXES + query)]


def test_build_writes_every_format_and_prints_a_summary(built):
    for name in OUTPUTS:
        assert (built / name).stat().st_size > 1000, name
    out = (built / "stdout.txt").read_text()
    assert "built 1 document(s)" in out
    assert "Task                  11" in out.replace("\r", "")
    assert "数字化发展国际环境" in out  # the per-pillar table
    summary = json.loads((built / "summary.json").read_text())
    assert summary["classes"]["Task"] == 11 and summary["classes"]["Guarantee"] == 5
    assert summary["checks"]["consistent"] is True
    assert summary["checks"]["shape_violations"] == 0 and summary["checks"]["failed_checks"] == 0
    assert "reasoner  consistent" in out and "0 violations" in out


def test_every_rdf_output_holds_the_same_graph(built):
    sizes = {}
    for name, fmt in [("full.ttl", "turtle"), ("full.nt", "nt"), ("full.rdf", "xml")]:
        sizes[name] = len(Graph().parse(built / name, format=fmt))
    # The datasets keep each named graph: each triple once, in the ontology's graph or a document's.
    for name, fmt in [("full.jsonld", "json-ld"), ("full.trig", "trig")]:
        sizes[name] = len(list(Dataset().parse(built / name, format=fmt).quads()))
    assert len(set(sizes.values())) == 1, sizes
    ds = Dataset().parse(built / "full.trig", format="trig")
    named = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert "https://w3id.org/digital-china-kg/ontology" in named and len(named) == 2


def test_pillars_2_5_2_2(full_graph):
    rows = q(
        full_graph,
        """SELECT ?cls (COUNT(DISTINCT ?p) AS ?n) WHERE {
             ?plan a dckg:Plan ; dckg:hasPillar ?p . ?p a ?cls .
             VALUES ?cls { dckg:Foundation dckg:Domain dckg:Capability dckg:Environment } }
           GROUP BY ?cls""",
    )
    counts = {cls.rsplit("#", 1)[1]: int(n) for cls, n in rows}
    assert counts == {"Foundation": 2, "Domain": 5, "Capability": 2, "Environment": 2}


def test_eleven_tasks_each_under_the_right_pillar(full_graph):
    from test_extract import EXPECTED_PILLARS

    rows = q(
        full_graph,
        """SELECT ?label ?pillar WHERE {
             ?task a dckg:Task ; rdfs:label ?label . FILTER(LANG(?label) = "zh")
             ?pillar dckg:hasTask ?task ; a/rdfs:subClassOf dckg:Pillar . }""",
    )
    assert {label: pillar.rsplit("#", 1)[1] for label, pillar in rows} == EXPECTED_PILLARS
    assert len(q(full_graph, "SELECT ?t WHERE { ?plan a dckg:Plan ; dckg:hasTask ?t . ?t a dckg:Task }")) == 11


def test_five_guarantees(full_graph):
    rows = q(
        full_graph,
        """SELECT ?zh ?en WHERE { ?plan dckg:hasGuarantee ?g . ?g rdfs:label ?zh , ?en .
             FILTER(LANG(?zh) = "zh" && LANG(?en) = "en") }""",
    )
    assert sorted(zh for zh, _ in rows) == sorted(
        ["加强组织领导", "健全体制机制", "保障资金投入", "强化人才支撑", "营造良好氛围"]
    )


def test_goals_with_their_years(full_graph):
    rows = q(
        full_graph,
        """SELECT ?year (DATATYPE(?year) AS ?dt) WHERE { ?plan dckg:hasGoal ?g . ?g dckg:targetYear ?year }
           ORDER BY ?year""",
    )
    assert rows == [
        ("2025", "http://www.w3.org/2001/XMLSchema#gYear"),
        ("2035", "http://www.w3.org/2001/XMLSchema#gYear"),
    ]


def test_named_entities_have_both_labels_and_are_mentioned(full_graph):
    rows = q(
        full_graph,
        """SELECT ?e ?cls (SAMPLE(?zh) AS ?zhl) (SAMPLE(?en) AS ?enl) (COUNT(DISTINCT ?u) AS ?n) WHERE {
             ?e a ?cls . ?cls rdfs:subClassOf* dckg:Entity .
             VALUES ?cls { dckg:Technology dckg:Sector dckg:Organization dckg:Initiative dckg:Event
                           dckg:Platform dckg:System dckg:Mechanism dckg:Infrastructure dckg:DataResource
                           dckg:Strategy dckg:Stakeholder dckg:Facility dckg:LegalInstrument }
             OPTIONAL { ?e rdfs:label ?zh FILTER(LANG(?zh) = "zh") }
             OPTIONAL { ?e rdfs:label ?en FILTER(LANG(?en) = "en") }
             OPTIONAL { { ?u dckg:mentions ?e } UNION { ?u dckg:issuedBy ?e } UNION { ?u dckg:reportedBy ?e } }
           } GROUP BY ?e ?cls""",
    )
    assert len(rows) > 60
    for iri, _cls, zh, en, n in rows:
        assert zh and en, iri
        assert int(n) > 0, iri
    classes = {cls.rsplit("#", 1)[1] for _, cls, _, _, _ in rows}
    assert {"Technology", "Sector", "Organization", "Initiative", "Platform", "System"} <= classes


def test_provenance_text_is_a_substring_of_the_input(full_graph, plan_path):
    source = plan_path.read_text(encoding="utf-8")
    rows = q(
        full_graph,
        """SELECT ?u ?zh ?start ?end ?en ?para WHERE {
             ?u a ?k ; prov:wasDerivedFrom ?s . VALUES ?k { dckg:Task dckg:Measure dckg:Goal dckg:Guarantee }
             ?s dckg:zhText ?zh ; dckg:startOffset ?start ; dckg:endOffset ?end ; dckg:paragraph ?para .
             OPTIONAL { ?s dckg:enText ?en } }""",
    )
    assert len(rows) == 11 + 5 + 2 + len(q(full_graph, "SELECT ?m WHERE { ?m a dckg:Measure }"))
    for unit, zh, start, end, en, para in rows:
        assert source[int(start) : int(end)] == zh, unit
        assert en and en in source, unit
        assert int(para) >= 1


def test_build_is_byte_identical_across_runs(tmp_path, built):
    out = tmp_path / "again"
    result = run_kg("build", "-q", "--out", str(out), env={"PYTHONHASHSEED": "12345"})
    assert result.returncode == 0, result.stderr
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (built / name).read_bytes(), name


def test_works_from_any_directory_with_the_bundled_data(tmp_path):
    result = run_kg("stats", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["classes"]["Task"] == 11


def test_several_files_make_one_graph(tmp_path, plan_path, second_plan_path):
    result = run_kg("build", "-q", "--out", str(tmp_path), str(plan_path), str(second_plan_path))
    assert result.returncode == 0, result.stderr
    ds = Dataset().parse(tmp_path / "data.trig", format="trig")
    assert len([g for g in ds.graphs() if len(g)]) == 2
    g = Graph().parse(tmp_path / "data.ttl")
    plans = q(g, "SELECT ?p WHERE { ?p dckg:issuedBy ?o . ?o rdfs:label '国务院'@zh }")
    assert len(plans) == 2


@pytest.mark.parametrize(
    "fmt", ["ttl", "nt", "trig", "nq", "jsonld", "rdfxml", "graphml", "gexf", "csv-nodes", "csv-edges"]
)
def test_export_to_stdout(fmt):
    result = run_kg("export", "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout) > 1000


def test_export_csv_folder_and_file(tmp_path):
    result = run_kg("export", "-f", "csv", "-o", str(tmp_path / "neo4j"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "neo4j" / "nodes.csv").exists() and (tmp_path / "neo4j" / "edges.csv").exists()
    result = run_kg("export", "-f", "ttl", "--with-ontology", "-o", str(tmp_path / "x.ttl"))
    assert result.returncode == 0 and "owl:Ontology" in (tmp_path / "x.ttl").read_text()


@pytest.mark.parametrize(
    "command", ["build", "export", "stats", "check", "docs", "query", "queries", "serve", "push", "viz"]
)
def test_help_has_an_example(command):
    result = run_kg(command, "--help")
    assert result.returncode == 0 and "Example" in result.stdout


def _one_line_error(result, text):
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert text in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_unknown_format_and_csv_without_folder():
    _one_line_error(run_kg("export", "--format", "xlsx"), "'xlsx' is not one of 'ttl', 'nt'")
    _one_line_error(run_kg("query", "plan", "--format", "xlsx"), "is not one of 'table', 'csv'")
    _one_line_error(run_kg("build", "--no-such-option"), "No such option '--no-such-option'")
    _one_line_error(run_kg("export", "--format", "csv"), "give a folder")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00", "binary"),
        ("中共中央、国务院印发《数字中国建设整体布局规划》\n".encode("gbk"), "not valid UTF-8"),
        ("今天天气很好,适合散步。\n".encode(), "no plan found"),
    ],
)
def test_bad_input_is_refused_and_the_build_kept(built, tmp_path, content, message):
    out = tmp_path / "build"
    assert run_kg("build", "-q", "--skip-checks", "--out", str(out)).returncode == 0
    before = snapshot(out)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    _one_line_error(run_kg("build", "--out", str(out), str(bad)), message)
    assert snapshot(out) == before


def test_missing_path_and_unwritable_out(tmp_path):
    _one_line_error(run_kg("build", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "o")), "no such file")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _one_line_error(run_kg("build", "--out", str(blocker / "sub")), "not a directory")
    if os.geteuid() != 0:  # root writes anywhere; the path above covers it
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        _one_line_error(run_kg("build", "--out", str(ro)), "cannot write")


def test_gbk_message_tells_how_to_convert(tmp_path):
    bad = tmp_path / "gbk.txt"
    bad.write_bytes("中共中央、国务院印发《数字中国建设整体布局规划》".encode("gbk"))
    result = run_kg("build", str(bad), "--out", str(tmp_path / "o"))
    assert "iconv -f GB18030 -t UTF-8" in result.stderr


def test_bundled_corpus_ships_with_the_package():
    assert resources.default_corpus().read_text(encoding="utf-8").startswith("中共中央、国务院印发")
    assert (resources.data_dir("ontology") / "lexicon.tsv").exists()


def test_the_bundled_pillars_query_answers_pillar_by_pillar(full_graph):
    query = (resources.data_dir("queries") / "pillars.rq").read_text(encoding="utf-8")
    rows = [tuple(str(x) for x in row) for row in full_graph.query(query)]
    assert len(rows) == 11
    assert rows[0][0] == "two foundations" and rows[0][2] == "数字基础设施"
    assert rows[-1][2] == "数字化发展国际环境"
    assert all(row[4] == "1" for row in rows)


def test_the_readme_documents_every_command_and_only_those():
    import re

    from kg.cli import cli

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `kg (\w+)", readme, flags=re.M))
    assert documented == set(cli.commands) - {"queries"}  # `kg queries` is shown under `kg query`
    assert "$ kg queries" in readme
    assert "make build" in readme and "make test" in readme


def test_a_killed_build_leaves_the_whole_old_build_or_the_whole_new_one(tmp_path, plan_path, second_plan_path):
    """kill -9 at random moments near the end of a build (where it writes), 20 times: the
    folder always equals one complete build, and the next build removes what was staged."""
    import random
    import signal
    import subprocess
    import time

    from conftest import KG

    out = tmp_path / "build"
    builds = {}
    for path in (plan_path, second_plan_path):
        start = time.monotonic()
        assert run_kg("build", "-q", "--skip-checks", "--out", str(out), str(path)).returncode == 0
        builds[path] = (snapshot(out), time.monotonic() - start)
    whole = [snap for snap, _ in builds.values()]
    assert whole[0] != whole[1]
    rng = random.Random(20261129)
    outcomes: list[bool] = []  # did the killed build land?
    for k in range(20):
        path = (plan_path, second_plan_path)[k % 2]
        duration = builds[path][1]
        proc = subprocess.Popen([*KG, "build", "-q", "--skip-checks", "--out", str(out), str(path)])
        time.sleep(duration * rng.uniform(0.55, 1.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = snapshot(out)
        assert now in whole, f"run {k}: a mixed folder"
        outcomes.append(now == builds[path][0])
    print("killed builds that had landed:", sum(outcomes), "of", len(outcomes))
    assert run_kg("build", "-q", "--skip-checks", "--out", str(out), str(plan_path)).returncode == 0
    assert snapshot(out) == whole[0]
    assert [p.name for p in tmp_path.iterdir() if p.name != "build"] == []  # no stray staging folder


def test_out_must_be_a_build_folder(tmp_path):
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "notes.txt").write_text("mine")
    _one_line_error(run_kg("build", "-q", "--skip-checks", "--out", str(project)), "not a build folder")
    assert (project / "src").is_dir() and (project / "notes.txt").read_text() == "mine"
    # Refused before any work: the input is not even read (a missing one is not reported).
    _one_line_error(run_kg("build", str(tmp_path / "missing.txt"), "--out", str(project)), "not a build folder")
    mine = tmp_path / "b"
    mine.mkdir()
    (mine / "README.md").write_text("about this folder")
    assert run_kg("build", "-q", "--skip-checks", "--out", str(mine)).returncode == 0
    assert (mine / "README.md").read_text() == "about this folder" and (mine / "full.trig").exists()


def test_only_regular_files_or_stdin_are_read(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    _one_line_error(run_kg("build", "--out", str(tmp_path / "o"), str(fifo)), "not a regular file")
    _one_line_error(run_kg("build", "--out", str(tmp_path / "o"), "/dev/zero"), "not a regular file")
    import subprocess

    from conftest import KG

    text = "国务院印发《示例规划》。\n《规划》提出，到2030年，覆盖率达到95%以上。\n"
    r = subprocess.run(
        [*KG, "build", "-q", "--skip-checks", "--out", str(tmp_path / "o"), "-"],
        input=text.encode(), capture_output=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "示例规划" in (tmp_path / "o" / "data.ttl").read_text(encoding="utf-8")


def test_control_characters_and_placeholder_names_in_the_plan(tmp_path):
    """\\x1c once made HermiT fail; a plan quoting the page's placeholders once broke its JSON."""
    import json
    import re

    plan = tmp_path / "plan.txt"
    plan.write_text(
        "国务院印发《示例规划》。\x1c\x1c\x1c\x1c\x1c\n"
        "《规划》提出三方面任务。一是建设__OVERVIEW__平台；二是推进/*VIS_JS*/工程；三是完善__FULL__机制。\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    r = run_kg("build", "-q", "--out", str(out), str(plan))
    assert r.returncode == 0, r.stderr
    assert "\x1c" not in (out / "data.nt").read_text(encoding="utf-8")
    page = (out / "graph.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<script id="data-(\w+)" type="application/json">(.*?)</script>', page, flags=re.S)
    data = {name: json.loads(body) for name, body in blocks}
    assert set(data) == {"full", "overview"}
    labels = {n["zh"] for n in data["full"]["nodes"]}
    assert {"建设__OVERVIEW__平台", "推进/*VIS_JS*/工程", "完善__FULL__机制"} <= labels


def test_dash_is_standard_output_and_a_query_file_is_read_first(tmp_path):
    r = run_kg("export", "--format", "nt", "-o", "-", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("<https://w3id.org/digital-china-kg/")
    assert not (tmp_path / "-").exists()
    query = tmp_path / "select-tasks.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?t a dckg:Task }\n", encoding="utf-8")
    r = run_kg("query", str(query), "--format", "csv", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.split() == ["n", "11"], r.stderr
    _one_line_error(run_kg("query", str(tmp_path / "select-missing.rq")), "no such file")


def test_shell_completion_offers_the_named_queries():
    r = run_kg(env={"_KG_COMPLETE": "bash_complete", "COMP_WORDS": "kg query pil", "COMP_CWORD": "2"})
    offered = [line.split(",", 1)[1] for line in r.stdout.splitlines() if line.startswith("plain,")]
    assert offered == ["pillar-subgraph", "pillar-targets", "pillar-tasks", "pillars"]
    r = run_kg("query", "plan", "--timeout", "0")
    assert r.returncode == 2 and "not in the range" in r.stderr


@pytest.mark.parametrize("gate", [[], ["--skip-checks"]], ids=["with the gate", "without"])
def test_a_build_imports_no_rdflib_nor_networkx(tmp_path, gate):
    """The build path reads, writes RDF with pyoxigraph, checks shapes with kg.shacl and
    draws the view with kg.network: rdflib and networkx (GraphML's) load only for the
    exports that need them, and pyshacl for a shapes file kg.shacl cannot run."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from kg.cli import main\n"
        f"sys.argv = ['kg', 'build', '-q', *{gate!r}, '--out', {str(tmp_path / 'b')!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(sorted(m for m in ('rdflib', 'pyparsing', 'networkx', 'owlready2', 'pyshacl') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]" and (tmp_path / "b" / "graph.html").exists()


def test_a_rebuild_drops_the_files_it_does_not_write(tmp_path):
    out = tmp_path / "build"
    assert run_kg("build", "-q", "--out", str(out)).returncode == 0
    assert (out / "inferred.ttl").exists()
    assert run_kg("build", "-q", "--skip-checks", "--out", str(out)).returncode == 0
    assert not (out / "inferred.ttl").exists()  # not carried over from the build before: it would be stale


def test_a_report_that_gives_more_parts_than_a_plan_is_refused(tmp_path, monkeypatch, plan_path):
    """A report is refused when it gives more than kg.corpus.MAX_PARTS units, sentences and
    relations: what a build's memory grows with. 4 MiB of bare list items gives ~3 GB
    within the byte limit; 14,000 items (84,007) are refused in ~3 s. One line, exit 2,
    nothing written; the bundled plan repeated up to the byte limit fits."""
    from kg import build, corpus, text

    facts = build.read_documents([plan_path])[0]
    parts = len(facts.units) + len(facts.segments) + len(facts.relations)
    assert text.MAX_BYTES // len(plan_path.read_bytes()) * parts <= corpus.MAX_PARTS
    monkeypatch.setattr(corpus, "MAX_PARTS", parts - 1)
    result = run_kg("build", "--jobs", "1", "--out", str(tmp_path / "o"), str(plan_path))
    _one_line_error(result, f"{parts:,} units, sentences and relations is more than a plan report gives")
    assert not (tmp_path / "o").exists()
    monkeypatch.setattr(corpus, "MAX_PARTS", parts)
    built = run_kg("build", "-q", "--skip-checks", "--jobs", "1", "--out", str(tmp_path / "o"), str(plan_path))
    assert built.returncode == 0, built.stderr


def test_a_report_over_the_size_limit_is_refused_before_it_is_read_whole(tmp_path, monkeypatch, plan_path):
    """A report is at most kg.text.MAX_BYTES, from a file or from stdin: one line, exit 2,
    nothing written. The limit holds the scale benchmark's largest plan (158 copies of the
    bundled plan, 4 MB), and refuses the 20 MB plan that once held a build for minutes."""
    from kg import text

    assert 158 * len(plan_path.read_bytes()) <= text.MAX_BYTES < 20_000_000
    monkeypatch.setattr(text, "MAX_BYTES", 1_000)
    big = tmp_path / "big.txt"
    big.write_text("国务院印发《示例规划》。\n" + "建设平台。" * 200 + "\n", encoding="utf-8")
    result = run_kg("build", "--fail-fast", "--out", str(tmp_path / "o"), str(big))
    _one_line_error(result, "too large for a plan report")
    assert not (tmp_path / "o").exists()
    result = run_kg("build", "--fail-fast", "--out", str(tmp_path / "o"), "-", input=big.read_text(encoding="utf-8"))
    _one_line_error(result, "standard input: over 1,000 bytes")
    small = tmp_path / "small.txt"
    small.write_text("国务院印发《示例规划》。\n《规划》提出，到2030年，覆盖率达到95%以上。\n", encoding="utf-8")
    assert run_kg("build", "-q", "--skip-checks", "--out", str(tmp_path / "o"), str(small)).returncode == 0
