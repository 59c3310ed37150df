"""The quality gate: HermiT, SHACL shapes, SPARQL checks, and the ontology's documentation."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import as_data, as_graph, has_java, run_kg
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, SKOS

from kg import build, check, docs, rdf, reasoner, resources
from kg.namespaces import ONTOLOGY_NS

ONT = Namespace(ONTOLOGY_NS)

PLAN = "https://w3id.org/digital-china-kg/id/digital-china-overall-layout-plan/"


@pytest.fixture(scope="module")
def ontology():
    """The ontology as rdflib reads it (the tests' own reader)."""
    return Graph().parse(resources.ontology_file(), format="turtle")


@pytest.fixture(scope="module")
def kg_ontology():
    return rdf.load_ontology(resources.ontology_file())


@pytest.fixture(scope="module")
def built_data():
    return build.dataset([resources.default_corpus()])


@pytest.fixture
def ds(built_data):
    """The bundled plan's data as an rdflib Dataset, for a test to edit."""
    return built_data.rdflib()


def _doc_graph(ds):
    return next(g for g in ds.graphs() if len(g))


def test_hermit_reasons_over_part_of_a_document_larger_than_its_sample(built_data, monkeypatch):
    """A first document past REASONER_SAMPLE triples is cut there, where a subject's
    triples end; the class memberships of the rest come from the class hierarchy."""
    monkeypatch.setattr(check, "REASONER_SAMPLE", 500)
    triples, taken = check._sample(built_data)
    doc = list(next(iter(built_data.graphs().values())))
    assert taken == 0 and 500 <= len(triples) < len(doc)
    assert triples == doc[: len(triples)] and doc[len(triples)].subject != triples[-1].subject
    report = check.run(built_data, rdf.load_ontology(resources.ontology_file()), require_reasoner=True)
    assert report.consistent and report.sample == (0, 1)
    assert "the first ~500 triples of the first of 1 document(s)" in check.format_report(report)
    beyond = {t.subject for t in doc[len(triples) :] if t.predicate == rdf.RDF.type}
    assert beyond & {s for s, _, _ in report.inferred}  # memberships past the sample, by the hierarchy
    # HermiT's and the hierarchy's, merged: sorted and each once, as the inferred graph
    # takes them without sorting them again.
    assert report.inferred == sorted(set(report.inferred), key=rdf.sort_key)
    inferred = check.inferred_dataset(report, "https://example.org/inferred")
    assert inferred.quads == rdf.Data(iter(inferred.quads)).quads


def test_the_bundled_plan_passes_every_gate(built_data, kg_ontology):
    report = check.run(built_data, kg_ontology, require_reasoner=True)
    assert report.consistent is True
    assert report.findings == [f for f in report.findings if f.severity == "info"]
    assert not report.failed
    # What the reasoner adds: class memberships the text does not assert.
    inferred = {tuple(t.value for t in triple) for triple in report.inferred}
    assert (PLAN + "plan", str(RDF.type), str(PROV.Plan)) in inferred
    assert ("https://w3id.org/digital-china-kg/id/entity/北斗", str(RDF.type), str(ONT.Entity)) in inferred
    text = check.format_report(report)
    assert re.search(r"reasoner  consistent, \d+ inferred class memberships \(\d+\.\d\d s\)", text)
    assert "shapes    0 violations, 0 warnings" in text and "checks    0 failed, 0 warnings" in text


@pytest.mark.skipif(not has_java(), reason="HermiT needs Java")
def test_hermit_infers_what_the_hierarchy_alone_cannot(kg_ontology):
    """A range axiom types an individual nothing asserts a class of: only a reasoner finds it,
    and the classes above it come too. Labels (annotations) do not change the answer."""
    a, b = rdf.NamedNode(PLAN + "x"), rdf.NamedNode(PLAN + "y")
    named = rdf.NamedNode(str(OWL.NamedIndividual))
    data = [
        rdf.Triple(a, rdf.RDF.type, named),
        rdf.Triple(b, rdf.RDF.type, named),
        rdf.Triple(a, rdf.NamedNode(str(ONT.mentions)), b),  # mentions' range is Entity
        rdf.Triple(b, rdf.RDFS.label, rdf.Literal("北斗", language="zh")),
    ]
    consistent, inferred, _ = reasoner.reason(rdf.Graph([*kg_ontology, *data]), require=True)
    assert consistent is True
    assert rdf.Triple(b, rdf.RDF.type, rdf.NamedNode(str(ONT.Entity))) in inferred
    assert not any(t.subject == a and t.object == rdf.NamedNode(str(ONT.Entity)) for t in inferred)


@pytest.mark.skipif(not has_java(), reason="HermiT needs Java")
def test_hermits_class_archive_is_written_once_then_used_and_never_changes_the_answer(
    kg_ontology, tmp_path, monkeypatch
):
    """The first run writes the class-data archive to the cache; later runs map it. A damaged
    archive, a cache that cannot be written and no cache at all give the same answer."""
    a, b = rdf.NamedNode(PLAN + "x"), rdf.NamedNode(PLAN + "y")
    g = rdf.Graph([*kg_ontology, rdf.Triple(a, rdf.NamedNode(str(ONT.mentions)), b)])

    def answer() -> tuple:
        shutil.rmtree(tmp_path / "cache" / "answers", ignore_errors=True)  # HermiT runs, not a kept answer
        consistent, inferred, _ = reasoner.reason(g, require=True)
        return consistent, inferred

    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    assert not any("SharedArchiveFile" in o for o in reasoner.hermit_command(tmp_path / "x.nt"))
    (tmp_path / "cache").mkdir(exist_ok=True)
    for stale in ("hermit-0123456789abcdef.jsa", "hermit-0123456789abcdef.jar"):  # another Java's
        (tmp_path / "cache" / stale).write_bytes(b"old")
    first = answer()
    assert first[0] is True and rdf.Triple(b, rdf.RDF.type, rdf.NamedNode(str(ONT.Entity))) in first[1]
    archives = list((tmp_path / "cache").glob("hermit-*.jsa"))
    assert len(archives) == 1 and archives[0].stat().st_size > 100_000
    assert not list((tmp_path / "cache").glob("*.tmp"))  # nothing half-written
    assert len(list((tmp_path / "cache").glob("hermit-*"))) == 2  # this archive and its jar; the stale pair gone
    command = reasoner.hermit_command(tmp_path / "x.nt")
    assert f"-XX:SharedArchiveFile={archives[0]}" in command
    assert all(part.endswith(".jar") for part in command[command.index("-cp") + 1].split(":"))  # jars only
    assert answer() == first
    archives[0].write_bytes(b"\0" * 4096)  # damaged
    assert answer() == first
    (tmp_path / "blocked").write_text("a file where the cache folder should be")
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "blocked"))
    assert answer() == first
    monkeypatch.setenv("KG_CACHE_DIR", "")  # off
    assert not any("Archive" in o for o in reasoner.hermit_command(tmp_path / "x.nt"))
    assert answer() == first


@pytest.mark.skipif(not has_java(), reason="HermiT needs Java")
def test_hermits_answer_is_kept_for_the_same_input_and_only_that(kg_ontology, tmp_path, monkeypatch):
    """A second run on the same triples takes the kept answer (no JVM); other triples, or
    labels aside the same ones, are asked or answered as they should; the cache keeps the
    ANSWERS_KEPT newest answers, and none is written half."""
    a, b = rdf.NamedNode(PLAN + "x"), rdf.NamedNode(PLAN + "y")
    g = rdf.Graph([*kg_ontology, rdf.Triple(a, rdf.NamedNode(str(ONT.mentions)), b)])
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    runs: list[int] = []
    run = reasoner._run_hermit
    monkeypatch.setattr(reasoner, "_run_hermit", lambda path: runs.append(1) or run(path))
    first = reasoner.reason(g, require=True)
    assert runs == [1] and first[0] is True
    assert reasoner.reason(g, require=True) == first and runs == [1]  # kept
    labelled = rdf.Graph([*g, rdf.Triple(b, rdf.RDFS.label, rdf.Literal("北斗", language="zh"))])
    assert reasoner.reason(labelled, require=True)[:2] == first[:2] and runs == [1]  # HermiT reads no labels
    monkeypatch.setattr(reasoner, "ANSWERS_KEPT", 2)
    for n in range(3):
        other = rdf.Graph([*g, rdf.Triple(rdf.NamedNode(PLAN + f"z{n}"), rdf.NamedNode(str(ONT.mentions)), b)])
        found = reasoner.reason(other, require=True)
        assert rdf.Triple(rdf.NamedNode(PLAN + f"z{n}"), rdf.RDF.type, rdf.NamedNode(str(ONT.Entity))) not in found[1]
    assert runs == [1, 1, 1, 1]
    kept = list((tmp_path / "cache" / "answers").iterdir())
    assert len(kept) == 2 and all(p.suffix == ".json" for p in kept)


def test_hermit_taxonomy_becomes_memberships_above_the_direct_types():
    output = "\n".join(
        [
            "SubClassOf( <urn:B> <urn:A> )",
            "SubClassOf( <urn:A> <http://www.w3.org/2002/07/owl#Thing> )",
            "EquivalentClasses( <urn:C> <urn:D> )",
            "Type( <urn:i> <urn:B> )",
            "Type( <urn:i> <urn:C> )",
            "Type( <urn:j> <urn:A> )",
        ]
    )
    asserted = rdf.Graph([rdf.Triple(rdf.NamedNode("urn:i"), rdf.RDF.type, rdf.NamedNode("urn:B"))])
    found = {(t.subject.value, t.object.value) for t in reasoner.memberships(output, asserted)}
    assert found == {("urn:i", "urn:A"), ("urn:i", "urn:C"), ("urn:i", "urn:D"), ("urn:j", "urn:A")}


def test_annotation_assertions_stay_out_of_what_hermit_reads(kg_ontology):
    node = rdf.NamedNode(PLAN + "s")
    kept = [
        rdf.Triple(node, rdf.RDF.type, rdf.NamedNode(str(ONT.Sentence))),
        rdf.Triple(node, rdf.NamedNode(str(ONT.sentenceNumber)), rdf.Literal("3", datatype=rdf.XSD.integer)),
    ]
    dropped = [
        rdf.Triple(node, rdf.RDFS.label, rdf.Literal("句", language="zh")),
        rdf.Triple(node, rdf.NamedNode(str(SKOS.definition)), rdf.Literal("d", language="en")),
        rdf.Triple(node, rdf.NamedNode(str(ONT.statementProperty)), rdf.NamedNode(str(ONT.mentions))),
    ]
    g = rdf.Graph([*kg_ontology, *kept, *dropped])
    left = set(reasoner.without_annotations(g, g))
    assert set(kept) <= left and not set(dropped) & left
    # Declarations stay: an annotation property is still declared one.
    assert rdf.Triple(rdf.NamedNode(str(ONT.statementProperty)), rdf.RDF.type, rdf.OWL.AnnotationProperty) in left


def test_two_disjoint_classes_fail_with_the_individual_and_the_classes(tmp_path):
    bad = tmp_path / "lexicon.tsv"
    text = resources.lexicon_file().read_text(encoding="utf-8")
    bad.write_text(
        re.sub(r"(?m)^北斗\t[^\t]+\tTechnology", "北斗\tBeiDou\tTechnology|Organization", text), encoding="utf-8"
    )
    out = tmp_path / "build"
    result = run_kg("build", "--lexicon", str(bad), "--out", str(out))
    assert result.returncode == 1, result.stderr  # a failed gate: 1, not the 2 of a usage error
    assert "Traceback" not in result.stderr
    assert "北斗" in result.stderr and "is both Organization and Technology" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("kg: error: quality gate failed: inconsistent")
    assert not out.exists() or not any(out.iterdir())  # nothing written


def test_explain_clash_uses_domain_and_range(ontology):
    g = Graph()
    for t in ontology:
        g.add(t)
    task, pillar = URIRef(PLAN + "task/x"), ONT.DigitalEconomy
    for node, cls in ((task, ONT.Task), (pillar, ONT.Domain)):
        g.add((node, RDF.type, cls))
        g.add((node, RDF.type, OWL.NamedIndividual))
    g.add((task, ONT.mentions, pillar))  # mentions' range is Entity, disjoint with Pillar
    assert any("is both Entity and Pillar" in line for line in reasoner.explain_clash(as_graph(g)))


def _shape_messages(ds, ontology, severity: str = "error") -> list[tuple[str, str]]:
    report = check.run(as_data(ds), rdf.load_ontology(resources.ontology_file()), reasoner=False)
    return [(f.focus, f.message) for f in report.findings if f.gate == "shapes" and f.severity == severity]


def test_a_missing_english_label_in_a_bilingual_source_is_a_warning(ds, ontology):
    g = _doc_graph(ds)
    beidou = URIRef("https://w3id.org/digital-china-kg/id/entity/北斗")
    g.remove((beidou, RDFS.label, Literal("BeiDou Navigation Satellite System", lang="en")))
    found = _shape_messages(ds, ontology, "warning")
    expected = "no rdfs:label in English, though its source has English"
    assert any("北斗" in focus and message == expected for focus, message in found), found
    assert not _shape_messages(ds, ontology, "error")


def test_a_task_with_no_measure_is_a_warning(ds, ontology):
    g = _doc_graph(ds)
    g.remove((URIRef(PLAN + "task/1-2"), ONT.hasMeasure, None))
    found = _shape_messages(ds, ontology, "warning")
    assert any("畅通数据资源大循环" in focus and message == "a task with no measure" for focus, message in found), found


def test_a_task_under_two_pillars_is_a_violation(ds, ontology):
    g = _doc_graph(ds)
    g.add((ONT.DigitalCulture, ONT.hasTask, URIRef(PLAN + "task/1-2")))
    found = _shape_messages(ds, ontology)
    assert any("exactly one pillar" in message for _, message in found), found


def test_provenance_text_that_is_not_in_the_source_is_a_violation(ds, ontology):
    g = _doc_graph(ds)
    seg = g.value(URIRef(PLAN + "task/1-1"), PROV.wasDerivedFrom)
    g.remove((seg, ONT.zhText, None))
    g.add((seg, ONT.zhText, Literal("打通数字基础设施小动脉", lang="zh")))
    found = _segment_text_errors(ds)
    assert [focus for focus, _ in found] == [str(seg)], found


def test_provenance_off_its_offsets_is_a_violation(ds, ontology):
    """The text is the source's, but not at the offsets the segment gives."""
    g = _doc_graph(ds)
    seg = g.value(URIRef(PLAN + "task/1-1"), PROV.wasDerivedFrom)
    start = int(g.value(seg, ONT.startOffset))
    g.set((seg, ONT.startOffset, Literal(start + 1)))
    found = _segment_text_errors(ds)
    assert found == [(str(seg), f"[{start + 1}, {int(g.value(seg, ONT.endOffset))})")], found


def _segment_text_errors(ds) -> list[tuple[str, str]]:
    """The segment-text check's errors: (segment, offsets); none on the graph as built."""
    report = check.run(as_data(ds), rdf.load_ontology(resources.ontology_file()), reasoner=False)
    return [(f.focus, f.message.rsplit(": ", 1)[1]) for f in report.findings if f.path == check.SEGMENT_TEXT]


def test_a_goal_without_a_year_fails_and_a_plan_without_an_issuer_warns(ds, ontology):
    g = _doc_graph(ds)
    g.remove((URIRef(PLAN + "goal/2025"), ONT.targetYear, None))
    g.remove((URIRef(PLAN + "plan"), ONT.issuedBy, None))
    messages = {m for _, m in _shape_messages(ds, ontology)}
    assert "a goal needs one target year (xsd:gYear)" in messages
    warned = [f for f in check.sparql_checks(as_data(ds).union()) if f.severity == "warning"]
    assert any(f.path == "no-issuer" and f.focus == PLAN + "plan" for f in warned), warned


def test_a_framework_group_with_a_missing_pillar_is_a_violation(ds, ontology):
    g = _doc_graph(ds)
    g.remove((URIRef(PLAN + "plan"), ONT.hasPillar, ONT.DigitalCulture))
    messages = [m for _, m in _shape_messages(ds, ontology)]
    assert any("has 4 pillars; its name says 5" in m for m in messages), messages


def test_sparql_checks_report_rows_with_their_severity(tmp_path, ds):
    (tmp_path / "no-tasks.rq").write_text(
        "# title: Every task\n# severity: warning\nPREFIX dckg: <https://w3id.org/digital-china-kg/ontology#>\n"
        "SELECT ?t WHERE { ?t a dckg:Task }\n",
        encoding="utf-8",
    )
    findings = check.sparql_checks(as_data(ds).union(), check.load_checks(tmp_path))
    assert len(findings) == 11 and {f.severity for f in findings} == {"warning"}
    assert findings[0].path == "no-tasks" and findings[0].message == "Every task"
    (tmp_path / "bad.rq").write_text("# severity: fatal\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(check.KGError, match="severity"):
        check.load_checks(tmp_path)


def test_the_bundled_checks_catch_an_untranslated_label(ds):
    g = _doc_graph(ds)
    node = URIRef("https://w3id.org/digital-china-kg/id/entity/北斗")
    g.add((node, RDFS.label, Literal("北斗", lang="en")))
    warned = [f for f in check.sparql_checks(as_data(ds).union()) if f.severity == "warning"]
    assert {f.path for f in warned} >= {"untranslated-english-label", "same-label-zh-en"}


@pytest.mark.skipif(not has_java(), reason="the reasoner path needs Java")
def test_without_java_reasoning_is_skipped_with_a_warning_unless_required(tmp_path):
    env = {"PATH": str(tmp_path)}  # no java on this PATH
    result = run_kg("check", env=env)
    assert result.returncode == 0, result.stderr
    assert "kg: warning: Java not found: OWL reasoning (HermiT) skipped" in result.stderr
    assert "reasoner  skipped" in result.stdout
    result = run_kg("check", "--require-reasoner", env=env)
    assert result.returncode == 2 and "--require-reasoner" in result.stderr and "Traceback" not in result.stderr


def test_kg_check_reports_each_gate(tmp_path):
    result = run_kg("check")
    assert result.returncode == 0, result.stderr
    assert "reasoner  consistent" in result.stdout and "0 violations" in result.stdout and "0 failed" in result.stdout


def test_ontology_html_documents_every_term(built, ontology):
    html = (built / "ontology.html").read_text(encoding="utf-8")
    ours = lambda n: isinstance(n, URIRef) and str(n).startswith(str(ONT))  # noqa: E731
    terms = {
        n
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for n in ontology.subjects(RDF.type, kind)
        if ours(n)
    }
    assert len(terms) > 60
    for term in terms:
        local = str(term).rsplit("#", 1)[1]
        assert f'id="{local}"' in html, local
        for lit in ontology.objects(term, SKOS.definition):
            assert docs.escape(str(lit)) in html, local
    assert "打通数字基础设施大动脉" in html  # an example task with its source sentence
    assert not re.search(r"<(script|link|img|iframe)\b", html)  # one offline page
    assert "instances</th><td>11 (11 directly)" in html  # tasks


def test_ontology_owl_opens_in_owlready2(built):
    owlready2 = pytest.importorskip("owlready2")
    world = owlready2.World()
    onto = world.get_ontology((built / "ontology.owl").as_uri()).load()
    names = {c.name for c in onto.classes()}
    assert {
        "Plan",
        "Pillar",
        "Foundation",
        "Task",
        "Measure",
        "Goal",
        "Guarantee",
        "Organization",
        "Technology",
    } <= names


def test_inferred_memberships_are_kept_apart(built):
    data = Graph().parse(built / "data.ttl")
    inferred = Graph().parse(built / "inferred.ttl")
    assert len(inferred) > 100
    assert not set(inferred) & set(data)
    trig = (built / "inferred.trig").read_text(encoding="utf-8")
    assert "<https://w3id.org/digital-china-kg/id/inferred>" in trig


def test_kg_docs_writes_the_page(tmp_path):
    result = run_kg("docs", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "ontology.html").stat().st_size > 50_000


def test_the_ontology_declares_the_required_terms(ontology):
    classes = {str(c).rsplit("#", 1)[-1] for c in ontology.subjects(RDF.type, OWL.Class)}
    required = {"Plan", "Pillar", "Foundation", "Domain", "Capability", "Environment", "Task", "Measure", "Goal"}
    assert required | {"Guarantee", "Organization", "Technology", "Sector", "Initiative"} <= classes
    for name in ("hasPillar", "hasTask", "hasMeasure", "hasGoal", "hasGuarantee", "mentions", "issuedBy", "targetYear"):
        node = ONT[name]
        assert (node, RDFS.range, None) in ontology, name
        assert {lit.language for lit in ontology.objects(node, RDFS.label)} == {"zh", "en"}, name
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if str(cls).startswith(str(ONT)):
            assert {lit.language for lit in ontology.objects(cls, RDFS.label)} == {"zh", "en"}, cls
            assert len(list(ontology.objects(cls, SKOS.definition))) == 2, cls


def test_a_warning_is_reported_but_does_not_fail(ds, ontology):
    g = _doc_graph(ds)
    g.remove((URIRef(PLAN + "guarantee/1"), ONT.hasMeasure, None))
    report = check.run(as_data(ds), rdf.load_ontology(resources.ontology_file()), reasoner=False)
    assert not report.failed
    assert any(f.severity == "warning" and f.message == "a guarantee with no measure" for f in report.findings)


def test_build_warns_on_a_warning_and_still_builds(tmp_path):
    bad = tmp_path / "lexicon.tsv"
    text = resources.lexicon_file().read_text(encoding="utf-8")
    bad.write_text(text.replace("农业\tagriculture\tSector", "农业\tindustry\tSector"), encoding="utf-8")
    result = run_kg("build", "--lexicon", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "kg: warning: the quality gate reports" in result.stderr and "duplicate-label" in result.stdout
    assert (tmp_path / "out" / "data.ttl").exists()


def test_a_missing_chinese_label_is_a_warning_except_for_an_english_only_source(ds, ontology, english_only):
    g = _doc_graph(ds)
    beidou = URIRef("https://w3id.org/digital-china-kg/id/entity/北斗")
    g.remove((beidou, RDFS.label, Literal("北斗", lang="zh")))
    found = _shape_messages(ds, ontology, "warning")
    assert [m for f, m in found if "北斗" in f] == [
        "no rdfs:label in Chinese (only what an English-only source alone names may lack one)"
    ]
    english = build.dataset([english_only])
    report = check.run(english, rdf.load_ontology(resources.ontology_file()), reasoner=False)
    assert not report.errors, report.errors
    assert not [f for f in report.warnings if "Chinese" in f.message], report.warnings


def test_the_gate_names_each_check_and_strict_fails_on_warnings(tmp_path):
    plan = tmp_path / "plan.en.txt"
    plan.write_text(
        "China unveiled an action plan for data markets.\nBy 2030, the market will grow.\n", encoding="utf-8"
    )
    result = run_kg("build", str(plan), "--out", str(tmp_path / "out"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "no-issuer" in result.stderr and not result.stdout  # --quiet: the warnings table goes to stderr
    assert (tmp_path / "out" / "data.ttl").exists()
    result = run_kg("build", str(plan), "--out", str(tmp_path / "strict"), "--strict")
    assert result.returncode == 1 and not (tmp_path / "strict" / "data.ttl").exists()
    assert "no-issuer" in result.stderr and "Plan with no issuer found" not in result.stderr.splitlines()[-1]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("kg: error: quality gate failed:") and "no-issuer (1)" in last, result.stderr
    # The table before the error line names the check, its count and the node with its label.
    assert "action plan for data markets" in result.stderr


def test_kg_check_verbose_lists_the_notes():
    quiet = run_kg("check", "--no-reasoner")
    verbose = run_kg("check", "--no-reasoner", "-v")
    assert quiet.returncode == 0 and verbose.returncode == 0, verbose.stderr
    assert "measure-without-entity" not in quiet.stdout
    assert "measure-without-entity" in verbose.stdout and "info" in verbose.stdout


def test_exit_codes_tell_a_failed_gate_from_a_usage_error(tmp_path):
    plan = tmp_path / "plan.en.txt"
    plan.write_text(
        "China unveiled an action plan for data markets.\nBy 2030, the market will grow.\n", encoding="utf-8"
    )
    assert run_kg("check", str(plan)).returncode == 0  # warnings only
    assert run_kg("check", "--strict", str(plan)).returncode == 1  # the gate failed
    assert run_kg("check", str(tmp_path / "missing.txt")).returncode == 2  # bad input
    assert run_kg("check", "--no-such-option").returncode == 2  # usage


def test_a_label_the_aligned_text_contradicts_is_a_warning(ds):
    """The English of the sentences naming 网络安全 says "network security"; a label sharing no word
    with it (nor any variant of it) is a finding, as when 网络安全 was the Central Cyberspace Affairs Commission."""
    node = URIRef("https://w3id.org/digital-china-kg/id/entity/网络安全")
    assert not [f for f in check.sparql_checks(as_data(ds).union()) if f.path == "label-contradicted"]
    g = _doc_graph(ds)
    for p in (RDFS.label, SKOS.altLabel):
        for o in list(g.objects(node, p)):
            if o.language == "en":
                g.remove((node, p, o))
    g.add((node, RDFS.label, Literal("Central Cyberspace Affairs Commission", lang="en")))
    found = [f for f in check.sparql_checks(as_data(ds).union()) if f.path == "label-contradicted"]
    assert {f.severity for f in found} == {"warning"} and {f.focus for f in found} == {str(node)}


@pytest.mark.parametrize("copies", [1, 2])
def test_the_gate_of_a_build_queries_its_store_as_a_fresh_gate_finds(tmp_path, plan_path, monkeypatch, copies):
    """kg build's gate queries the store the build has just written (each report's shapes
    on its own graph and the ontology's, the checks on all of it), never an in-memory copy
    of the data; its findings are those of the gate run afresh on in-memory stores, for one
    report and for two read in the build's own process."""
    from kg import build

    text = plan_path.read_text(encoding="utf-8")
    paths = []
    for n in range(copies):
        path = tmp_path / f"plan{n}.txt"
        path.write_text(text.replace("数字中国", "数字中国" * (n + 1), 1), encoding="utf-8")
        paths.append(path)
    data, ontology = build.dataset(paths), rdf.load_ontology(resources.ontology_file())
    fresh = check.run(data, ontology)

    def no_copy(*parts):
        raise AssertionError("the gate made an in-memory store of the data")

    monkeypatch.setattr(check, "memory_store", no_copy)
    _, report = build.run(paths, tmp_path / "out", jobs=1)
    assert report.findings == fresh.findings
    assert any(f.gate == "checks" for f in report.findings)


@pytest.mark.parametrize("slow", ["checks", "shapes"])
def test_the_report_is_the_same_whichever_of_checks_and_shapes_finishes_first(plan_path, monkeypatch, slow):
    """check.run runs the SPARQL checks on a thread beside HermiT and the shapes: the report
    lists the same findings in the same order when either side is the slow one."""
    import time as clock

    data, ontology = build.dataset([plan_path]), rdf.load_ontology(resources.ontology_file())
    shapes_found = [f for g in data.graphs().values() for f in check.document_shapes(g, ontology)]
    shapes_found.append(check.Finding("shapes", "warning", "x", "y", "a finding to order"))
    want = check.run(data, ontology, reasoner=False, shapes_found=list(shapes_found)).findings
    real = check.sparql_checks

    def slow_checks(*args, **kwargs):
        clock.sleep(0.5)
        return real(*args, **kwargs)

    def slow_shapes():
        clock.sleep(0.5)
        return list(shapes_found)

    if slow == "checks":
        monkeypatch.setattr(check, "sparql_checks", slow_checks)
    got = check.run(data, ontology, reasoner=False, shapes_found=slow_shapes if slow == "shapes" else shapes_found)
    assert got.findings == want
    assert [f.gate for f in got.findings].index("checks") > [f.gate for f in got.findings].index("shapes")


def test_an_error_in_the_gate_waits_for_the_checks_thread(plan_path, monkeypatch):
    import threading

    data, ontology = build.dataset([plan_path]), rdf.load_ontology(resources.ontology_file())
    done = threading.Event()

    def checks(*args, **kwargs):
        import time as clock

        clock.sleep(0.3)
        done.set()
        return []

    def failing_shapes():
        raise check.KGError("shapes failed")

    monkeypatch.setattr(check, "sparql_checks", checks)
    with pytest.raises(check.KGError, match="shapes failed"):
        check.run(data, ontology, reasoner=False, shapes_found=failing_shapes)
    assert done.is_set()  # not left running on a store the build is about to remove


def test_a_rebuild_that_fails_the_gate_leaves_the_last_build_whole(tmp_path, plan_path):
    """The gate queries the new store in the staging folder: a build it refuses leaves the
    last build as it was, byte for byte, its store still answering, and no staging folder."""
    import hashlib

    import pyoxigraph as ox

    out = tmp_path / "out"
    assert run_kg("build", str(plan_path), "--out", str(out), "--quiet").returncode == 0

    def snapshot() -> dict:
        return {
            str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*"))
            if p.is_file() and "store" not in p.parts
        }

    before = snapshot()
    quads = len(ox.Store.read_only(str(out / "store")))
    plan = tmp_path / "plan.en.txt"
    text = "China unveiled an action plan for data markets.\nBy 2030, the market will grow.\n"
    plan.write_text(text, encoding="utf-8")
    result = run_kg("build", str(plan), "--out", str(out), "--strict")
    assert result.returncode == 1 and "quality gate failed" in result.stderr
    assert snapshot() == before
    assert len(ox.Store.read_only(str(out / "store"))) == quads
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "plan.en.txt"]  # no staging folder left
