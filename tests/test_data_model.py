"""One data model: `kg build` reads text, every other command reads a build (in-process, CliRunner)."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import SECOND_PLAN

from kg import builddir, resources
from kg.cli import cli

PLAN = "https://w3id.org/digital-china-kg/id/"


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


class _Ran:
    """A subprocess's result with the attributes of CliRunner's."""

    def __init__(self, done) -> None:
        self.exit_code, self.stdout, self.stderr = done.returncode, done.stdout, done.stderr
        self.output = done.stdout + done.stderr


def invoke(runner: CliRunner, args: list[str]):
    """In process, except `kg query`: it seals its own process off the network (seccomp), so
    it runs in a subprocess of its own, as a user runs it."""
    if args[0] == "query":
        from conftest import run_kg

        return _Ran(run_kg(*args))
    return runner.invoke(cli, args)


@pytest.fixture(scope="module")
def second_build(tmp_path_factory, runner, second_plan_path):
    """A build of the second bundled report from a copy of it, so a test can change the copy."""
    folder = tmp_path_factory.mktemp("second")
    source = folder / second_plan_path.name  # the same name: the same document IRIs
    shutil.copy(second_plan_path, source)
    result = runner.invoke(cli, ["build", "-q", "--skip-checks", "--out", str(folder / "build"), str(source)])
    assert result.exit_code == 0, result.output
    return folder


def test_the_build_records_its_inputs_and_their_hashes(second_build, runner):
    record = json.loads((second_build / "build" / "build.json").read_text(encoding="utf-8"))
    (entry,) = record["inputs"]
    assert entry["resolved"] == str((second_build / SECOND_PLAN).resolve())
    assert len(entry["sha256"]) == 64 and record["base"] == PLAN and record["kg_version"]
    # No time stamp: building again gives the same bytes.
    again = second_build / "again"
    result = runner.invoke(cli, ["build", "-q", "--skip-checks", "--out", str(again), str(second_build / SECOND_PLAN)])
    assert result.exit_code == 0, result.output
    assert (again / "build.json").read_bytes() == (second_build / "build" / "build.json").read_bytes()


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--json"],
        ["export", "--format", "nt"],
        ["query", "SELECT ?t WHERE { ?p a dckg:Plan ; rdfs:label ?t } ORDER BY ?t", "--format", "csv"],
    ],
)
def test_read_commands_read_the_build_they_are_given(second_build, runner, args):
    """The second report's build, not the bundled plan: its title and its IRIs only."""
    result = invoke(runner, [*args, "--data", str(second_build / "build")])
    assert result.exit_code == 0, result.output
    assert "sci-tech-innovation-13th-fyp" in result.stdout or "十三五" in result.stdout
    assert "digital-china-overall-layout-plan" not in result.stdout and "数字中国建设整体布局规划" not in result.stdout


def test_viz_and_docs_read_the_build(second_build, runner, tmp_path):
    result = runner.invoke(cli, ["viz", "--data", str(second_build / "build"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "graph.html").read_text(encoding="utf-8")
    assert "sci-tech-innovation-13th-fyp" in html and "digital-china-overall-layout-plan" not in html
    result = runner.invoke(cli, ["docs", "--data", str(second_build / "build"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "sci-tech-innovation-13th-fyp" in (tmp_path / "ontology.html").read_text(encoding="utf-8")


def test_a_changed_input_is_named_by_every_read_command(second_build, runner, tmp_path):
    folder = tmp_path / "work"
    shutil.copytree(second_build, folder)
    source = folder / SECOND_PLAN
    record = json.loads((folder / "build" / "build.json").read_text(encoding="utf-8"))
    record["inputs"][0].update(path=str(source), resolved=str(source.resolve()))  # the copy is the input now
    (folder / "build" / "build.json").write_text(json.dumps(record), encoding="utf-8")
    data = ["--data", str(folder / "build")]
    assert runner.invoke(cli, ["stats", *data]).stderr == ""  # unchanged: no warning
    source.write_text(source.read_text(encoding="utf-8") + "\n新增一段。\n", encoding="utf-8")
    for args in (["stats"], ["export", "-f", "nt"], ["query", "plan"]):
        result = invoke(runner, [*args, *data])
        assert result.exit_code == 0, result.output
        assert f"kg: warning: {source}: changed since the build in {folder / 'build'}; run kg build again" in (
            result.stderr
        ), args
    source.unlink()
    assert "gone since the build" in runner.invoke(cli, ["stats", *data]).stderr


def test_without_a_build_a_read_command_says_what_it_reads(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./build here
    result = runner.invoke(cli, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    assert "kg: note: reading the bundled plan, built in memory (no build in ./build)" in result.stderr
    assert json.loads(result.stdout)["classes"]["Task"] == 11


def test_a_folder_that_is_not_a_build_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(cli, ["export", "-f", "nt", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"kg: error: {tmp_path}: no {builddir.DATA_FILE} here; run `kg build --out {tmp_path}` first"
    )


def test_export_reads_the_inferred_graph_when_asked(built, runner):
    plain = runner.invoke(cli, ["export", "-f", "nq", "--data", str(built)]).stdout
    inferred = runner.invoke(cli, ["export", "-f", "nq", "--data", str(built), "--inferred"]).stdout
    assert "/id/inferred>" not in plain and "/id/inferred>" in inferred
    assert resources.default_corpus().name  # the fixture built the bundled plan


# -- -q and -v, the same on every command ------------------------------------------------------


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_quiet_and_verbose(runner, command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "-q, --quiet" in result.stdout and "-v, --verbose" in result.stdout, command
    both = runner.invoke(cli, [command, "-q", "-v"])
    assert both.exit_code == 2 and "give -q or -v, not both" in both.stderr, both.output


def test_quiet_drops_notes_and_reports_and_verbose_says_what_is_read(runner, tmp_path, monkeypatch, second_build):
    monkeypatch.chdir(tmp_path)  # no ./build: the bundled plan, with a note
    loud, quiet = runner.invoke(cli, ["stats", "--json"]), runner.invoke(cli, ["stats", "--json", "-q"])
    assert "kg: note:" in loud.stderr and quiet.stderr == "" and quiet.stdout == loud.stdout  # the result stays
    folder = second_build / "build"
    verbose = runner.invoke(cli, ["stats", "-v", "--data", str(folder)])
    assert f"kg: reading {folder / 'data.nq'}" in verbose.stderr
    written = runner.invoke(cli, ["viz", "-q", "--data", str(folder), "--out", str(tmp_path / "v")])
    assert written.exit_code == 0 and written.stdout == "" and (tmp_path / "v" / "graph.html").exists()
    checked = runner.invoke(cli, ["check", "-q", "--no-reasoner"])
    assert checked.exit_code == 0 and checked.stdout == ""
    notes = runner.invoke(cli, ["check", "-v", "--no-reasoner"])
    assert notes.exit_code == 0 and "info" in notes.stdout  # -v lists the notes


def test_the_union_and_each_graph_keep_the_quads_order():
    """Data sorts its quads by their text once (a subject's quads at a time); the union and each graph are taken in that
    order without sorting again. That holds for any terms: IRIs that prefix each other,
    blank nodes, literals with and without a language or a datatype."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kg.rdf import BlankNode, Data, Graph, Literal, NamedNode, Quad, Triple, sort_key

    iri = st.sampled_from(["urn:a", "urn:a-b", "urn:ab", "urn:a/b", "urn:b"]).map(NamedNode)
    blank = st.sampled_from(["b1", "b12", "b2"]).map(BlankNode)
    literal = st.one_of(
        st.sampled_from(["a", "ab", "a b", ""]).map(Literal),
        st.tuples(st.sampled_from(["a", "ab"]), st.sampled_from(["en", "en-us", "zh"])).map(
            lambda t: Literal(t[0], language=t[1])
        ),
        st.sampled_from(["1", "12"]).map(
            lambda v: Literal(v, datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        ),
    )
    quad = st.builds(Quad, st.one_of(iri, blank), iri, st.one_of(iri, blank, literal), iri)
    default_quad = st.builds(Quad, st.one_of(iri, blank), iri, st.one_of(iri, blank, literal))
    triple = st.builds(Triple, st.one_of(iri, blank), iri, st.one_of(iri, blank, literal))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(quad, default_quad), max_size=40), st.lists(triple, max_size=8))
    def check(quads, added):
        data = Data(quads)
        # with_graph: the added graph's triples leave the other graphs, and join the union once.
        name, graph = NamedNode("urn:added"), Graph(added)
        held = set(added)
        both = data.with_graph(name, graph)
        expected = {q for q in quads if q.triple not in held} | {Quad(*t, name) for t in held}
        assert both.quads == sorted(expected, key=sort_key)
        assert list(both.union()) == sorted({q.triple for q in quads} | held, key=sort_key)
        assert data.quads == sorted(set(quads), key=sort_key)  # sorted a subject at a time: the same order
        assert list(data.union()) == sorted({q.triple for q in quads}, key=sort_key)
        for name, graph in data.graphs().items():
            assert list(graph) == sorted({q.triple for q in quads if q.graph_name == name}, key=sort_key)

    check()


def test_plus_places_the_smaller_side_as_a_sort_of_both_would():
    """Data.plus and Graph.plus place the smaller side's statements among the larger's by
    bisection, skipping it while they fall before the same statement (rdf._spliced): the
    result is the sort of both, each once, whatever the sides, runs of one side together or
    interleaved. Sides of quads of different graphs (Data.plus: no quad in both)."""
    import bisect

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kg import rdf
    from kg.rdf import Data, Graph, NamedNode, Quad, Triple, sort_key

    iri = st.sampled_from(["urn:a", "urn:a/1", "urn:a/2", "urn:ab", "urn:b", "urn:b/1", "urn:c"]).map(NamedNode)
    triple = st.builds(Triple, iri, iri, iri)

    @settings(max_examples=400, deadline=None)
    @given(st.lists(triple, max_size=30), st.lists(triple, max_size=30))
    def check(left, right):
        one = [Quad(*t, NamedNode("urn:g1")) for t in left]
        two = [Quad(*t, NamedNode("urn:g2")) for t in right]
        assert Data(one).plus(Data(two)).quads == sorted(set(one) | set(two), key=sort_key)
        big, small = (left, right) if len(set(left)) >= len(set(right)) else (right, left)
        assert list(Graph(big).plus(Graph(small))) == sorted(set(left) | set(right), key=sort_key)

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.integers(0, 50)), st.integers(-1, 52), st.integers(0, 60))
    def search(values, k, lo):
        values.sort()
        lo = min(lo, len(values))
        assert rdf._gallop(values, k, lo, int) == bisect.bisect_left(values, k, lo=lo)

    check()
    search()


def test_a_graphs_lookups_answer_as_its_triples_do():
    """Graph.objects, subjects and value against the triples themselves, for nodes with one
    statement (which the lookups keep bare) and with several (kept in a list), on a graph of
    Triples and on one of a Data's quads; a node's objects found by bisection (the first
    FEW_LOOKUPS of a predicate) or by the lookup table, with IRIs that start one another."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kg import rdf
    from kg.rdf import Data, Graph, Literal, NamedNode, Quad, Triple

    nodes = ["urn:a", "urn:ab", "urn:b", "urn:c"]
    predicates = ["urn:p", "urn:pq", "urn:q"]
    node = st.sampled_from(nodes).map(NamedNode)
    predicate = st.sampled_from(predicates).map(NamedNode)
    value = st.one_of(node, st.sampled_from(["x", "y"]).map(Literal))
    triple = st.builds(Triple, node, predicate, value)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(triple, max_size=25), st.sampled_from([0, 2, rdf.FEW_LOOKUPS]))
    def check(triples, few):
        held = set(triples)
        graphs = (Graph(triples), Data(Quad(*t, NamedNode("urn:g")) for t in triples).union())
        for graph in graphs:
            graph_few, rdf.FEW_LOOKUPS = rdf.FEW_LOOKUPS, few
            try:
                for p in map(NamedNode, predicates):
                    for n in map(NamedNode, nodes):
                        objects = sorted((t.object for t in held if t.subject == n and t.predicate == p), key=str)
                        assert sorted(graph.objects(n, p), key=str) == objects
                        assert (graph.value(n, p) is None) == (not objects) and (
                            not objects or graph.value(n, p) in objects
                        )
                        subjects = sorted((t.subject for t in held if t.object == n and t.predicate == p), key=str)
                        assert sorted(graph.subjects(p, n), key=str) == subjects
                    assert sorted(graph.subjects(p), key=str) == sorted(
                        {t.subject for t in held if t.predicate == p}, key=str
                    )
            finally:
                rdf.FEW_LOOKUPS = graph_few

    check()


def test_a_graphs_statements_by_predicate_and_each_graphs_by_predicate():
    """Graph.statements_with, predicates, distinct_objects and least, and Data.by_graph (and
    its kept answer for fewer predicates), against the statements themselves."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kg.rdf import BlankNode, Data, Literal, NamedNode, Quad

    # IRIs that start one another (least's shortcut: "<urn:a-b>" sorts before "<urn:a>",
    # "urn:a" before "urn:a-b" by value), and blank nodes, which sort after every IRI.
    iris = ["urn:a", "urn:a-b", "urn:ab", "urn:b", "urn:a/b/c", "urn:a/b", "urn:a/b.c", "urn:a/", "urn:a0", "urn:"]
    node = st.sampled_from(iris).map(NamedNode)
    subject = st.one_of(node, node, st.sampled_from(["b1", "x9"]).map(BlankNode))
    predicate = st.sampled_from(["urn:p", "urn:q", "urn:r"]).map(NamedNode)
    value = st.one_of(node, st.sampled_from(["x", "y", "ab"]).map(Literal))
    graph = st.sampled_from(["urn:g1", "urn:g2"]).map(NamedNode)
    quad = st.builds(Quad, subject, predicate, value, graph)

    @settings(max_examples=400, deadline=None)
    @given(st.lists(quad, max_size=30))
    def check(quads):
        data = Data(quads)
        union = data.union()
        held = {q.triple for q in quads}
        assert sorted(union.predicates(), key=str) == sorted({t.predicate for t in held}, key=str)
        for p in map(NamedNode, ("urn:p", "urn:q", "urn:r")):
            mine = [t for t in union if t.predicate == p]
            assert [q.triple for q in union.statements_with(p)] == mine
            assert sorted(union.distinct_objects(p), key=str) == sorted({t.object for t in mine}, key=str)
            least = min(((t.subject, t.object) for t in mine), key=lambda so: (so[0].value, so[1].value), default=None)
            assert union.least(p) == least
        wanted = [NamedNode("urn:p"), NamedNode("urn:r")]
        found = data.by_graph(wanted)
        assert list(found) == list(data.graphs())
        for name, by_p in found.items():
            for p in wanted:
                assert by_p.get(p, []) == [q for q in data.graphs()[name].statements if q.predicate == p]
            assert NamedNode("urn:q") not in by_p
        assert data.by_graph([NamedNode("urn:r")]) is found  # answered from the kept one
        again = data.by_graph([NamedNode("urn:q")])  # not among the kept one's: a pass of its own
        for name, by_p in again.items():
            assert by_p.get(NamedNode("urn:q"), []) == [
                q for q in data.graphs()[name].statements if q.predicate == NamedNode("urn:q")
            ]

    check()


def test_whether_two_graphs_hold_a_triple_is_found_wherever_it_is():
    """kg.store.has_repeats reads the entities first: the same answer as reading every
    neighbour in order, wherever the repeated triple is (before, among or after the
    entities, or where the two parts meet)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kg import store
    from kg.namespaces import PREFIXES
    from kg.rdf import Data, Literal, NamedNode, Quad

    base = "https://example.org/id/"
    subject = st.sampled_from(["d1/a", "d2/b", "entity/e", "entity/f", "z/c"]).map(lambda s: NamedNode(base + s))
    graph = st.sampled_from(["d1/graph", "d2/graph", "z/graph"]).map(lambda g: NamedNode(base + g))
    quad = st.builds(Quad, subject, st.just(NamedNode("urn:p")), st.sampled_from(["x", "y"]).map(Literal), graph)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(quad, max_size=12))
    def check(quads):
        data = Data(quads, {**PREFIXES, "id": base})
        held: dict = {}
        for q in data.quads:
            held.setdefault(q.triple, set()).add(q.graph_name)
        assert store.has_repeats(data) == any(len(graphs) > 1 for graphs in held.values())

    check()
