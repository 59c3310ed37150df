"""The flat RDF files written as runs of statements (kg.blocks): the same statements as the
data, the same bytes whether a rebuild copied runs of the last file or wrote it from
nothing, and the copies really made."""

from __future__ import annotations

import itertools

import pytest
from conftest import run_kg

from kg import blocks, namespaces
from kg.rdf import BlankNode, Data, DefaultGraph, Literal, NamedNode, Quad

BASE = "https://example.org/id/"
FORMATS = ("ttl", "nt", "trig", "nq", "jsonld", "rdfxml")
P = [NamedNode(f"https://example.org/p{k}") for k in range(3)]


def _statements(data: Data, fmt: str, blob: bytes) -> tuple[set, set]:
    """What a serialization holds, and what the data says it should (blank nodes aside)."""
    import pyoxigraph as ox

    syntax = blocks._syntax(fmt)
    got = list(ox.parse(blob, format=syntax))
    if syntax.supports_datasets:
        want = set(data.quads)
    else:
        got = [q.triple for q in got]
        want = set(data.union())
    return set(got), want


def _quads(spec: dict[int, list[tuple]], shared_blank: bool = False) -> list[Quad]:
    """Graphs ``<BASE>d<i>/graph`` of statements (subject kind, subject n, predicate, object
    n): a document's own node, a shared entity, or another document's node."""
    out = []
    blank = BlankNode("b0")
    for doc, rows in spec.items():
        graph = NamedNode(f"{BASE}d{doc}/graph")
        for kind, n, p, o in rows:
            if kind == "own":
                s = NamedNode(f"{BASE}d{doc}/n{n}")
            elif kind == "entity":
                s = NamedNode(f"{BASE}entity/e{n}")
            else:
                s = NamedNode(f"{BASE}d{n % 4}/n{n}")  # another document's node, maybe
            obj = Literal(f"v{o}", language="zh") if o % 3 == 0 else NamedNode(f"{BASE}entity/e{o}")
            out.append(Quad(s, P[p], obj, graph))
    if shared_blank:
        out.append(Quad(blank, P[0], Literal("x"), NamedNode("https://example.org/ontology")))
        out.append(Quad(NamedNode("https://example.org/c"), P[1], blank, NamedNode("https://example.org/ontology")))
    out.append(Quad(NamedNode(f"{BASE}d0/n0"), P[2], Literal("in no graph"), DefaultGraph()))
    return out


def _data(quads) -> Data:
    return Data(quads, {**namespaces.PREFIXES, "ex": "https://example.org/", "id": BASE})


def test_the_bundled_plans_files_hold_what_its_data_holds():
    from kg import build

    data = build.dataset([])
    for fmt in FORMATS:
        got, want = _statements(data, fmt, blocks.serialize(data, fmt))
        assert got == want, fmt


def _rows():
    from hypothesis import strategies as st

    row = st.tuples(st.sampled_from(["own", "own", "own", "entity", "other"]), st.integers(0, 6),
                    st.integers(0, 2), st.integers(0, 8))  # fmt: skip
    return st.dictionaries(st.integers(0, 5), st.lists(row, max_size=12), min_size=1, max_size=5)


def _owner(q, base: str) -> str | None:
    """What a quad's segment is, by definition: the graph <base><slug>/graph when that is its
    graph and its subject is a node <base><slug>/…; else None (shared)."""
    value = q.subject.value if isinstance(q.subject, NamedNode) else ""
    cut = value.find("/", len(base)) if value.startswith(base) else -1
    graph = value[: cut + 1] + "graph" if cut >= 0 else None
    return graph if isinstance(q.graph_name, NamedNode) and q.graph_name.value == graph else None


def test_the_cut_gives_each_quad_its_owner_in_maximal_runs():
    """The segments (found by bisection) cover the quads in order, each quad in a segment of
    its owner by definition (_owner), two neighbours never of the same owner."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=150, deadline=None)
    @given(spec=_rows(), blank=st.booleans(), odd=st.booleans())
    def check(spec, blank, odd):
        quads = _quads(spec, blank)
        if odd:  # subjects <base>name (no slash), and after every <base…> node
            other = NamedNode(f"{BASE}d1/graph")
            quads += [Quad(NamedNode(f"{BASE}dataset"), P[0], Literal("x"), NamedNode(f"{BASE}d0/graph")),
                      Quad(NamedNode("https://example.org/zz"), P[0], Literal("y"), other)]  # fmt: skip
        data = _data(quads)
        segments = blocks._dataset_cut(data)
        assert segments[0].start == 0 and segments[-1].end == len(data.quads)
        for a, b in itertools.pairwise(segments):
            assert a.end == b.start and a.owner != b.owner
        for seg in segments:
            assert {_owner(q, BASE) for q in data.quads[seg.start : seg.end]} == {seg.owner}
        # Told the document graphs, the cut counts instead of reading the graphs: the same.
        split = _data(quads)
        split.split_along((NamedNode(s.owner) if s.owner else None, s.start, s.end) for s in segments)
        assert blocks._dataset_cut(data, split.graphs()) == segments
        # Told each graph's count of statements about its own nodes (kg.digest's): the same.
        owned: dict = {}
        for q in data.quads:
            if (owner := _owner(q, BASE)) is not None:
                owned[owner] = owned.get(owner, 0) + 1
        assert blocks._dataset_cut(data, owned=owned) == segments
        # And the graphs and union split along the runs are those made quad by quad.
        assert list(split.graphs()) == list(data.graphs())
        for name, graph in data.graphs().items():
            assert split.graphs()[name].statements == graph.statements
        assert split.union().statements == data.union().statements

    check()


def test_runs_copied_from_the_last_file_give_the_bytes_written_from_nothing(tmp_path):
    """Any corpus, any change: a file written copying the unchanged documents' runs and the
    unchanged shared chunks of the last one is the same bytes as one written from nothing,
    and holds the data's statements;
    N-Triples and N-Quads stay sorted as pyoxigraph writes the sorted statements."""
    import pyoxigraph as ox
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(before=_rows(), after=_rows(), blank=st.booleans())
    def check(before, after, blank):
        old, new = _data(_quads(before, blank)), _data(_quads(after, blank))
        changed = frozenset(f"{BASE}d{d}/graph" for d in set(before) | set(after) if before.get(d) != after.get(d))
        lean, absent = _without_kept_runs(old, new, changed, tmp_path / "runs.nq")
        absences.append(len(absent))
        for k, fmt in enumerate(FORMATS):
            first = tmp_path / f"old.{fmt}"
            index = blocks.write(blocks.Segmented(old, texts={}), fmt, first)
            assert index["size"] == first.stat().st_size
            # Written from nothing, its shared statements in chunks for the next build to copy
            # (a TriG file then repeats a graph's name where a chunk ends: other bytes than one
            # serialization of them all, the same statements).
            keyed = tmp_path / f"keyed.{fmt}"
            blocks.write(blocks.Segmented(new, texts={}), fmt, keyed)
            fresh = keyed.read_bytes()
            second = tmp_path / f"new.{fmt}"
            # The runs copied here, or on the Copies' thread (every other syntax).
            with blocks.Copies() as copies:
                previous = blocks.Previous(first, index, changed)
                blocks.write(blocks.Segmented(new, texts={}), fmt, second, previous, copies if k % 2 else None)
                copies.wait()
            assert second.read_bytes() == fresh, fmt
            # The same with the unchanged documents' own runs absent (kg.held): not held, copied.
            third = tmp_path / f"lean.{fmt}"
            made = blocks.write(blocks.Segmented(lean, texts={}, absent=absent), fmt, third, previous)
            assert third.read_bytes() == fresh, fmt
            assert made == blocks.write(blocks.Segmented(new, texts={}), fmt, keyed), fmt  # and its index
            got, want = _statements(new, fmt, fresh)
            if blank and fmt not in ("nt", "nq"):  # blank nodes are renamed by the reader
                assert len(got) == len(want), fmt
            else:
                assert got == want, fmt
            if fmt in ("nt", "nq"):
                plain = ox.serialize(new.quads if fmt == "nq" else iter(new.union()), format=blocks._syntax(fmt))
                assert fresh == plain, fmt

    absences: list[int] = []
    check()
    assert max(absences) >= 2  # documents were absent, not only held


def _without_kept_runs(old: Data, new: Data, changed: frozenset, path) -> tuple[Data, dict]:
    """``new`` without the own statements of the documents kg.held leaves absent: unchanged,
    one run in the last file (``old``, its N-Quads written at ``path``), and no other
    statement about their nodes; and those runs' counts."""
    from collections import Counter

    from kg import held

    runs = Counter(owner for owner, *_ in blocks.write(blocks.Segmented(old, texts={}), "nq", path)["segments"])
    cut = blocks.Segmented(new).cut(True)[1]
    own = {s.owner: s for s in cut if s.owner and s.owner not in changed and runs[s.owner] == 1}
    own = {o: s for o, s in own.items() if sum(1 for t in cut if t.owner == o) == 1}
    drop = {k for s in own.values() for k in range(s.start, s.end)}
    lean = Data([q for k, q in enumerate(new.quads) if k not in drop], new.prefixes, presorted=True)
    crowded = held._crowded(lean.quads, own)
    if crowded:  # statements about their nodes held: not absent
        return _without_kept_runs(old, new, changed | crowded, path)
    return lean, {o: s.end - s.start for o, s in own.items()}


def test_a_file_made_from_the_last_ones_segments_but_a_changed_documents_run_is_the_bytes_written_from_nothing(
    tmp_path,
):
    """kg.held.narrow's files: when a changed document states about other nodes what it
    stated, a file written from the last one's segments (blocks.template), that document's
    run serialized from its graph alone and every other segment copied (the shared chunks
    too), is the same bytes and index as one written from nothing; a document whose run is
    now empty has no segment, as in a file written from nothing."""
    shared = [("entity", 1, 0, 3), ("entity", 2, 1, 0), ("entity", 16, 0, 6)]
    before = {0: [("own", 1, 0, 1), ("own", 2, 1, 3), *shared], 1: [("own", 1, 0, 2), *shared[:2]], 2: [*shared[1:]]}
    after = dict(before) | {1: [("own", 1, 0, 5), ("own", 7, 2, 9), *shared[:2]]}
    cases = [(after, 1), (dict(before) | {0: shared}, 0)]  # a run changed; a run emptied
    for (changed, doc), fmt in itertools.product(cases, FORMATS):
        old, new = _data(_quads(before)), _data(_quads(changed))
        graph = NamedNode(f"{BASE}d{doc}/graph")
        first, fresh = tmp_path / f"old.{fmt}", tmp_path / f"fresh.{fmt}"
        index = blocks.write(blocks.Segmented(old, texts={}), fmt, first)
        want = blocks.write(blocks.Segmented(new, texts={}), fmt, fresh)
        previous = blocks.Previous(first, index, frozenset({graph.value}))
        template = blocks.template(previous)
        assert template is not None and any(owner.startswith("#") for owner, _ in template)
        held = Data([q for q in new.quads if q.graph_name == graph], new.prefixes, presorted=True)
        segmented = blocks.Segmented(held, template={blocks.is_dataset(fmt): template}, held=frozenset({graph.value}))
        made = blocks.write(segmented, fmt, tmp_path / f"made.{fmt}", previous)
        assert (tmp_path / f"made.{fmt}").read_bytes() == fresh.read_bytes(), (doc, fmt)
        assert made == want, (doc, fmt)


def test_an_absent_run_must_be_one_the_last_file_holds_and_no_statement_held_may_be_among_it(tmp_path):
    data = _data(_quads({0: [("own", 1, 0, 1)], 1: [("own", 2, 1, 3), ("entity", 5, 0, 2)]}))
    first = tmp_path / "old.nq"
    index = blocks.write(blocks.Segmented(data, texts={}), "nq", first)
    own = f"{BASE}d1/graph"
    lean = Data([q for q in data.quads if not str(q.subject).startswith(f"<{BASE}d1/")], data.prefixes, presorted=True)
    previous = blocks.Previous(first, index, frozenset())
    blocks.write(blocks.Segmented(lean, texts={}, absent={own: 1}), "nq", tmp_path / "ok.nq", previous)
    assert (tmp_path / "ok.nq").read_bytes() == first.read_bytes()
    with pytest.raises(ValueError, match="does not hold"):  # changed since: not to be copied
        changed = blocks.Previous(first, index, frozenset({own}))
        blocks.write(blocks.Segmented(lean, texts={}, absent={own: 1}), "nq", tmp_path / "no.nq", changed)
    with pytest.raises(ValueError, match="besides its absent run"):
        blocks.Segmented(data, texts={}, absent={own: 1}).cut(True)


def test_a_run_is_copied_only_from_a_file_that_is_as_its_index_says(tmp_path):
    data = _data(_quads({0: [("own", 1, 0, 1)], 1: [("own", 2, 1, 3)]}))
    first = tmp_path / "old.ttl"
    index = blocks.write(blocks.Segmented(data, texts={}), "ttl", first)
    segments = blocks.Segmented(data, texts={}).cut(False)[1]
    assert blocks._reusable(blocks.Previous(first, index, frozenset()), segments)
    changed = frozenset({f"{BASE}d0/graph", f"{BASE}d1/graph"})
    # Only the shared chunk, whose statements are the same (its key): no changed graph's run.
    assert list(blocks._reusable(blocks.Previous(first, index, changed), segments)) == [(segments[0].key, 0)]
    first.write_bytes(first.read_bytes() + b"# edited\n")
    assert blocks._reusable(blocks.Previous(first, index, frozenset()), segments) == {}
    assert blocks._reusable(blocks.Previous(tmp_path / "gone.ttl", index, frozenset()), segments) == {}


@pytest.mark.parametrize("edit", ["none", "data.ttl", "data.nq"])
def test_a_rebuild_copies_the_unchanged_reports_runs_and_writes_what_a_full_build_does(tmp_path, monkeypatch, edit):
    """One report changed, one removed, one added: every flat file is the same bytes as a
    build from nothing, and the unchanged reports' runs were copied, not serialized (unless
    the last file is not what its index says: then it is written whole); the unchanged
    reports' quads come from the last data.nq, not made again."""
    from corpus_gen import generate

    from kg import corpus, resources

    reports = tmp_path / "reports"
    paths = generate(reports, 8, seed=5, source=resources.data_dir("corpus"))
    out = tmp_path / "build"

    def build(folder) -> None:
        r = run_kg("build", str(reports), "--skip-checks", "-q", "--out", str(folder))
        assert r.returncode == 0, r.stderr

    build(out)
    if edit != "none":
        with open(out / edit, "ab") as f:
            f.write(b"# edited by hand\n")
    from kg import graph

    made: list[int] = []  # reports whose quads are made (the others' come from the last data.nq)
    make = graph.build
    monkeypatch.setattr(graph, "build", lambda docs, *a: (made.append(len(docs := list(docs))), make(docs, *a))[1])
    copied: dict[str, int] = {}  # bytes copied from each last file
    copy = blocks._copy

    def copying(src, dst, offset, length, at):
        copied[src.name] = copied.get(src.name, 0) + length
        copy(src, dst, offset, length, at)

    monkeypatch.setattr(blocks, "_copy", copying)
    paths[2].write_text(paths[2].read_text(encoding="utf-8") + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    paths[4].unlink()
    (reports / "added.txt").write_text(paths[6].read_text(encoding="utf-8").replace("2025", "2027"), encoding="utf-8")
    build(out)
    # The changed report and the added one (the store's update starts from them); then every
    # other report, when data.nq is not as its index says.
    assert made == ([2, 6] if edit == "data.nq" else [2])
    names = sorted(p.name for p in out.iterdir() if p.name.startswith(("data.", "full.")))
    assert len(names) == 11
    by_file = {name.rsplit("/", 1)[-1]: n for name, n in copied.items()}
    written_whole = {edit} - {"none"}
    for name in names:
        if name in written_whole:
            assert name not in by_file
        else:
            assert by_file.get(name, 0) >= 0.3 * (out / name).stat().st_size, name  # the 6 unchanged reports' runs
    monkeypatch.setattr(corpus, "load_kept", lambda folder, key: ({}, None))
    fresh = tmp_path / "fresh"
    build(fresh)
    for name in names:
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name
    assert (out / "facts.json").read_bytes() == (fresh / "facts.json").read_bytes()


def test_a_shared_chunk_is_copied_unless_its_statements_changed(tmp_path):
    """The shared statements are cut into chunks at the same subjects whatever changed
    elsewhere: a change to one entity's statements writes its chunk again, and the file is
    the bytes written from nothing."""
    entities = [("entity", n, n % 3, n + 1) for n in range(400)]
    old = _data(_quads({0: entities, 1: [("own", 1, 0, 1)]}))
    changed = [row if row[1] != 200 else ("entity", 200, 2, 7) for row in entities]
    new = _data(_quads({0: changed, 1: [("own", 1, 0, 1)]}))
    first = tmp_path / "old.nq"
    index = blocks.write(blocks.Segmented(old, texts={}), "nq", first)
    chunks = [s for s in blocks.Segmented(new, texts={}).cut(True)[1] if s.owner is None]
    assert 10 < len(chunks) < 100 and all(s.key for s in chunks)
    reused = blocks._reusable(blocks.Previous(first, index, frozenset({f"{BASE}d0/graph"})), chunks)
    assert len(reused) == len(chunks) - 1  # all but the chunk of entity 200
    second = tmp_path / "new.nq"
    blocks.write(
        blocks.Segmented(new, texts={}), "nq", second, blocks.Previous(first, index, frozenset({f"{BASE}d0/graph"}))
    )
    assert second.read_bytes() == blocks.serialize(new, "nq")


def test_a_build_from_nothing_copies_the_full_files_runs_from_its_data_files(tmp_path, plan_path, second_plan_path,
                                                                             monkeypatch):  # fmt: skip
    """full.* holds data.*'s statements and the ontology's: a build from nothing serializes
    data.* and copies its runs and chunks into full.* (kg.build.rdf_files), serializing only
    the chunks the ontology's graph changes; full.* still holds data.*'s statements and the
    ontology's, each file read back by pyoxigraph."""
    import shutil

    import pyoxigraph as ox

    copied: list = []
    fill = blocks._fill
    monkeypatch.setattr(blocks, "_fill", lambda source, path, gaps: copied.append((source.name, path.name,
                        sum(length for _, _, length in gaps))) or fill(source, path, gaps))  # fmt: skip
    reports = tmp_path / "reports"
    reports.mkdir()
    for p in (plan_path, second_plan_path):
        shutil.copy(p, reports)
    out = tmp_path / "build"
    r = run_kg("build", str(reports), "-q", "--skip-checks", "--out", str(out))
    assert r.returncode == 0, r.stderr
    exts = ("ttl", "nt", "trig", "jsonld", "rdf")
    assert {(s, p) for s, p, _ in copied} == {(f"data.{e}", f"full.{e}") for e in exts}

    def triples(name: str) -> tuple[set, int]:
        """The file's triples without a blank node, and how many with one (renamed by each read)."""
        fmt = ox.RdfFormat.from_extension(name.rsplit(".", 1)[1])
        found = [q.triple if isinstance(q, ox.Quad) else q for q in ox.parse(path=str(out / name), format=fmt)]
        named = {t for t in found if not any(isinstance(x, ox.BlankNode) for x in (t.subject, t.object))}
        return named, len(set(found)) - len(named)

    ontology, blank = triples("ontology.ttl")
    for e in exts:
        size = (out / f"full.{e}").stat().st_size
        assert sum(n for s, p, n in copied if p == f"full.{e}") > size / 2, e  # most of it copied
        data, data_blank = triples(f"data.{e}")
        assert triples(f"full.{e}") == (data | ontology, data_blank + blank), e
