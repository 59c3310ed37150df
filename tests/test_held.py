"""A rebuild that holds only the changed reports' quads and the shared statements, the kept
reports' own runs left in the last files (kg.held): every file it writes is the bytes a
build from nothing writes."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from conftest import SECOND_PLAN, run_kg


def _files(folder: Path) -> dict[str, bytes]:
    """Every file of a build but timings.json (seconds) and the store's own (RocksDB's, and
    its count of updates since its last compaction); the checks' record kept in it stays."""
    out = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if (
            path.is_file()
            and name != "timings.json"
            and (not name.startswith("store/") or name == "store/kg-checks.json")
        ):
            out[name] = path.read_bytes()
    return out


def _build(reports: Path, folder: Path) -> dict[str, bytes]:
    """kg build of ``reports`` into ``folder`` (with the gate): its files (_files)."""
    r = run_kg("build", str(reports), "-q", "--out", str(folder))
    assert r.returncode == 0, r.stderr
    return _files(folder)


def test_a_rebuild_leaves_the_kept_reports_runs_in_the_last_files_and_writes_what_a_full_build_does(
    tmp_path, plan_path, second_plan_path, monkeypatch
):
    from kg import check, held
    from kg import store as kg_store

    reports = tmp_path / "reports"
    reports.mkdir()
    plan, second = (p.read_text(encoding="utf-8") for p in (plan_path, second_plan_path))
    texts = [plan, second, second.replace("2025", "2027"), plan.replace("2025", "2026"), second, second]
    paths = [reports / f"{k}-{SECOND_PLAN if k % 3 else plan_path.name}" for k in range(len(texts))]
    for path, text in zip(paths, texts):
        path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(kg_store, "UPDATE_SHARE", 0.5)  # a few reports of six: updated, not loaded whole
    monkeypatch.setattr(check, "REASONER_SAMPLE", 1)  # HermiT's sample: the first report (cut)
    made: list = []
    lean = held.lean
    monkeypatch.setattr(held, "lean", lambda *a: made.append(lean(*a)) or made[-1])

    build = functools.partial(_build, reports)

    out = tmp_path / "build"
    build(out)
    assert made == []  # nothing to start from
    # A report changed, one removed, one added.
    paths[3].write_text(texts[3] + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    paths[4].unlink()
    (reports / "6-added.txt").write_text(texts[1].replace("2025", "2028"), encoding="utf-8")
    rebuilt = build(out)
    assert made[-1] is not None
    absent = {iri.split("/")[-2].split("-")[0] for iri in made[-1].absent}  # the reports' numbers
    # Kept and out of HermiT's sample (the first report, then and now): absent.
    assert absent == {"1", "2", "5"}, absent
    assert made[-1].inferred and set(made[-1].inferred) <= set(made[-1].absent)  # their memberships copied too
    assert rebuilt == build(tmp_path / "fresh")
    # The first report changed: HermiT reasons over it (and did last time), so it is read whole.
    paths[0].write_text(texts[0] + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    rebuilt = build(out)
    assert made[-1] is not None and not any(iri.split("/")[-2].startswith("0-") for iri in made[-1].absent)
    assert len(made[-1].absent) == 5  # the other reports, the two read last time among them
    assert rebuilt == build(tmp_path / "fresh-2")


def test_a_dropped_graphs_quads_are_cut_from_the_text_and_a_quad_naming_it_is_not(tmp_path):
    """held._parse leaves out the quads of the graphs dropped by cutting their lines before
    parsing: a line that ends as theirs but is a default-graph quad whose object is the
    graph's IRI stays."""
    import pyoxigraph as ox

    from kg import held

    g1, g2 = ox.NamedNode("https://example.org/d1/graph"), ox.NamedNode("https://example.org/d2/graph")
    s, p = ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p")
    quads = [ox.Quad(s, p, ox.Literal("a"), g1), ox.Quad(s, p, g1, ox.DefaultGraph()),
             ox.Quad(s, p, ox.Literal("b <https://example.org/d1/graph> ."), g2), ox.Quad(s, p, g1, g2),
             ox.Quad(p, p, ox.Literal("c"), g1)]  # fmt: skip
    path = tmp_path / "data.nq"
    path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    whole = [(0, path.stat().st_size)]
    assert held._parse(path, whole) == quads
    assert held._parse(path, whole, frozenset({g1.value})) == [q for q in quads if q.graph_name != g1]
    assert held._parse(path, whole, frozenset({g1.value, g2.value})) == [quads[1]]


def test_one_plan_rebuilt_unchanged_is_drawn_from_its_whole_graph(tmp_path, plan_path, monkeypatch):
    """A rebuild of one plan whose bytes did not change updates the store, but holds the
    plan whole: its own views (graph.html, the overview) are drawn from its graph, and
    every file is a fresh build's."""
    from kg import held

    made: list = []
    lean = held.lean
    monkeypatch.setattr(held, "lean", lambda *a: made.append(1) or lean(*a))
    out, fresh = tmp_path / "build", tmp_path / "fresh"
    for folder in (out, out, fresh):
        r = run_kg("build", str(plan_path), "-q", "--skip-checks", "--out", str(folder))
        assert r.returncode == 0, r.stderr
    assert _files(out) == _files(fresh) and (out / "overview.svg").stat().st_size > 1000
    assert made == []


def test_when_hermit_infers_beyond_the_sample_the_kept_memberships_are_read_not_copied(
    tmp_path, plan_path, second_plan_path, monkeypatch
):
    """When HermiT's answer holds memberships of nodes outside its sample (check._beyond), a
    lean rebuild reads the absent reports' memberships from the last inferred.ttl and merges
    them, rather than copying their runs: the inferred files are still a fresh build's."""
    from kg import check, held
    from kg import store as kg_store

    reports = tmp_path / "reports"
    reports.mkdir()
    plan, second = (p.read_text(encoding="utf-8") for p in (plan_path, second_plan_path))
    texts = [plan, second, second.replace("2025", "2027"), second.replace("2025", "2029")]
    paths = [reports / f"{k}-{SECOND_PLAN if k else plan_path.name}" for k in range(len(texts))]
    for path, text in zip(paths, texts):
        path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(kg_store, "UPDATE_SHARE", 0.5)
    monkeypatch.setattr(check, "REASONER_SAMPLE", 1)
    monkeypatch.setattr(held, "narrow", lambda *a: None)  # the lean rebuild, HermiT asked (held.narrow)
    read: list = []
    kept_inferred = held.Held.kept_inferred
    monkeypatch.setattr(held.Held, "kept_inferred", lambda self: read.append(1) or kept_inferred(self))

    build = functools.partial(_build, reports)

    out = tmp_path / "build"
    build(out)
    paths[2].write_text(texts[2] + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    monkeypatch.setattr(check, "_beyond", lambda *a: 1)  # as if HermiT had inferred past the sample
    rebuilt = build(out)
    assert read == [1]
    fresh = build(tmp_path / "fresh")
    for name in ("inferred.ttl", "inferred.trig", "facts.json"):
        assert rebuilt[name] == fresh[name], name


def test_reports_given_by_another_path_to_the_same_files_are_kept(tmp_path, plan_path, second_plan_path):
    """A corpus built from ``reports`` and rebuilt from its absolute path (or the folder
    moved) keeps every report whose bytes are the same: its facts are reused, with the path
    given now; every file is what a build from nothing by that path writes."""
    import json
    import os
    import shutil

    reports = tmp_path / "reports"
    reports.mkdir()
    for p in (plan_path, second_plan_path):
        shutil.copy(p, reports)
    out = tmp_path / "build"
    r = run_kg("build", "reports", "-q", "--out", "build", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    moved = tmp_path / "moved"
    os.rename(reports, moved)
    (moved / plan_path.name).write_text(plan_path.read_text(encoding="utf-8") + "\n加强组织实施。\n", encoding="utf-8")
    for folder in (out, tmp_path / "fresh"):
        r = run_kg("build", str(moved), "-q", "--out", str(folder))
        assert r.returncode == 0, r.stderr
    timings = json.loads((out / "timings.json").read_text(encoding="utf-8"))
    assert sorted(x["status"] for x in timings["reports"]) == ["kept", "read"]
    assert _files(out) == _files(tmp_path / "fresh")


def test_a_rebuild_whose_changed_report_names_what_it_named_holds_that_report_alone(
    tmp_path, plan_path, second_plan_path, monkeypatch
):
    """held.narrow: a report changed by a sentence that names nothing it did not name
    before adds the same statements about other nodes than its own (kg.digest.shared_key),
    so the shared ones are the last build's: only its graph is held, every other run of the
    flat files is copied (the shared chunks too), HermiT's answer is the last build's, and
    every file is a fresh build's. A kept report's graph, when asked, is still whole. A
    report changed to name a new entity is rebuilt the lean way (kg.held.lean), and its
    files are a fresh build's too."""
    from kg import build as kg_build
    from kg import check, held, lexicon, reasoner, resources
    from kg import store as kg_store
    from kg.rdf import Data

    reports = tmp_path / "reports"
    reports.mkdir()
    plan, second = (p.read_text(encoding="utf-8") for p in (plan_path, second_plan_path))
    texts = [plan, second, second.replace("2025", "2027"), plan.replace("2025", "2026"), second.replace("2025", "2029")]
    paths = [reports / f"{k}-{SECOND_PLAN if k % 3 else plan_path.name}" for k in range(len(texts))]
    for path, text in zip(paths, texts):
        path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(kg_store, "UPDATE_SHARE", 0.5)  # a report of five: updated, not loaded whole
    monkeypatch.setattr(check, "REASONER_SAMPLE", 1)  # HermiT's sample: the first report (cut)
    narrowed: list = []
    narrow = held.narrow
    monkeypatch.setattr(held, "narrow", lambda *a: narrowed.append(narrow(*a)) or narrowed[-1])
    asked: list = []
    reason = check.reason
    monkeypatch.setattr(check, "reason", lambda *a: asked.append(1) or reason(*a))
    seen: list = []  # a kept report's graph, as the Held gives it (while the last build is in place)
    outputs = kg_build.outputs

    def looked(*a, **k):
        if narrowed and narrowed[-1] is not None and not seen:
            seen.append(narrowed[-1].graphs()[narrowed[-1].names[1]].statements)
        return outputs(*a, **k)

    monkeypatch.setattr(kg_build, "outputs", looked)
    build = functools.partial(_build, reports)

    out = tmp_path / "build"
    build(out)
    assert asked == [1] and narrowed == []
    paths[3].write_text(texts[3] + "\n《规划》强调，要加强组织实施。\n", encoding="utf-8")
    rebuilt = build(out)
    made = narrowed[-1]
    assert made is not None and made.shared and asked == [1]  # HermiT not asked again
    assert {g.value for g in made.names} - set(made.absent) == {made.names[3].value}  # that report's graph alone
    fresh = build(tmp_path / "fresh")
    assert rebuilt == fresh
    whole = Data.load([tmp_path / "fresh" / "data.nq"]).graphs()
    assert seen == [whole[made.names[1]].statements]

    # A new entity named: the shared statements change.
    lex = lexicon.load(resources.lexicon_file())
    term = next(t.zh for t in sorted(lex.terms.values(), key=lambda t: t.key) if len(t.zh) >= 4 and t.zh not in second)
    paths[2].write_text(texts[2] + f"\n要加快发展{term}。\n", encoding="utf-8")
    rebuilt = build(out)
    assert narrowed[-1] is None
    assert rebuilt == build(tmp_path / "fresh-2")
    record = json.loads('{"documents":{' + (out / "facts.json").read_text(encoding="utf-8").split("\n")[-2])
    assert record["files"][held.RECORD]["hermit"] == reasoner.identity()
