"""OWL 2 reasoning with HermiT: is the ontology plus the data consistent, and which class
memberships does it entail?

HermiT is the reasoner owlready2 ships (its `hermit/` folder). The gate runs it directly on
the N-Triples it is given, rather than through owlready2's `sync_reasoner`: that path loads
the triples into owlready2's SQLite store only to write them out again for the same JVM,
which cost a fifth of a gated build's CPU. What goes to HermiT leaves out annotation
assertions (labels, definitions, notes), which OWL 2's Direct Semantics ignores: the
answer is the same, from less to parse.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from kg.errors import KGError
from kg.rdf import OWL, RDF, RDFS, Graph, NamedNode, Triple, local_name, sort_key

# A one-shot JVM spends half its CPU in the optimising compiler: the quick one (C1 only)
# halves HermiT's CPU and wall time on the bundled plan, with the same answer. One GC thread
# is enough for a heap this size.
JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
JAVA_MEMORY_MB = 2000

# OWL 2's built-in annotation properties; the ontology declares the others it uses.
_BUILTIN_ANNOTATIONS = frozenset(
    NamedNode(iri)
    for iri in (
        RDFS.label.value,
        RDFS.comment.value,
        RDFS.seeAlso.value,
        RDFS.isDefinedBy.value,
        OWL.versionInfo.value,
        OWL.deprecated.value,
        OWL.priorVersion.value,
        OWL.backwardCompatibleWith.value,
        OWL.incompatibleWith.value,
    )
)
_NON_ANNOTATION = (OWL.ObjectProperty, OWL.DatatypeProperty)
T = TypeVar("T")
# HermiT's taxonomy lines: `SubClassOf( <a> <b> )`, `EquivalentClasses( <a> <b> … )`, `Type( <i> <c> )`.
_AXIOM = re.compile(r"^(SubClassOf|EquivalentClasses|Type)\( ((?:<[^>]+>\s*)+)\)$", re.MULTILINE)


CONSISTENT = "consistent (HermiT)"  # reason()'s note when HermiT found the graph consistent


def java() -> str | None:
    return shutil.which("java")


def hermit_classpath() -> str | None:
    """owlready2's HermiT (its classes folder and jar), found without importing owlready2."""
    spec = importlib.util.find_spec("owlready2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "hermit"
    jar = folder / "HermiT.jar"
    return f"{folder}:{jar}" if jar.is_file() else None


def hermit_command(path: Path, archive: bool = True) -> list[str]:
    """The java command that classifies the ontology in ``path`` and realises its individuals.
    ``archive``: with HermiT's classes from the cache's class-data archive (see _archived)."""
    classpath = hermit_classpath()
    if classpath is None:
        raise KGError("HermiT is missing: install owlready2, which ships it")
    options: list[str] = []
    if archive:
        classpath, options = _archived(*map(Path, classpath.split(":")))
    return [str(java()), *JVM_OPTIONS.split(), f"-Xmx{JAVA_MEMORY_MB}M", *options, "-cp", classpath,
            "org.semanticweb.HermiT.cli.CommandLine", "-c", "-I", path.as_uri(),
            "--ignoreUnsupportedDatatypes"]  # fmt: skip


def cache_dir() -> Path | None:
    """Where kg keeps files it can always make again: $KG_CACHE_DIR, else
    $XDG_CACHE_HOME/digital-china-kg, else ~/.cache/digital-china-kg. KG_CACHE_DIR set to
    the empty string turns the cache off."""
    chosen = os.environ.get("KG_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "digital-china-kg"


def _archived(folder: Path, jar: Path) -> tuple[str, list[str]]:
    """The classpath and JVM options that load HermiT's classes from a class-data archive
    (AppCDS, JDK 13+) in the cache: parsed and verified once, mapped by every later run. On
    the bundled plan that is ~0.13 s of the JVM's ~1.1 s of CPU. The first run writes the
    archive as it exits (reason() moves it into place once the run succeeded).

    An archive holds classes from jars only, so owlready2's patched classes (its hermit/
    folder, ahead of HermiT.jar) go in a jar of their own first. Both files are named by a
    hash of Java, the JVM options and HermiT's files: a change makes new ones. A stale or
    damaged archive is ignored by the JVM; a cache that cannot be written means no archive."""
    plain = f"{folder}:{jar}"
    cache = cache_dir()
    if cache is None:
        return plain, []
    try:
        key = _hermit_key(folder, jar)
        patch, archive = cache / f"hermit-{key}.jar", cache / f"hermit-{key}.jsa"
        if not patch.is_file():
            cache.mkdir(parents=True, exist_ok=True)
            _write_jar(folder, patch)
        classpath = f"{patch}:{jar}"
        if archive.is_file():
            return classpath, [f"-XX:SharedArchiveFile={archive}"]
        return classpath, [f"-XX:ArchiveClassesAtExit={archive}.{os.getpid()}.tmp"]
    except OSError:
        return plain, []


def _hermit_key(folder: Path, jar: Path) -> str:
    digest = hashlib.sha256(JVM_OPTIONS.encode())
    java_path = Path(java() or "java").resolve()
    files = [java_path, jar, *sorted(folder.rglob("*.class"))]
    for f in files:
        st = f.stat()
        digest.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _write_jar(folder: Path, target: Path) -> None:
    """The .class files under ``folder`` as a jar (a zip), written whole or not at all."""
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w") as z:
            for f in sorted(folder.rglob("*.class")):
                z.write(f, f.relative_to(folder).as_posix())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _forget_others(archive: Path) -> None:
    """Drop the archives and jars of other Java or HermiT versions (a new one was just
    written): the cache holds one pair, not one per upgrade."""
    key = archive.stem  # hermit-<key>
    for old in archive.parent.glob("hermit-*"):
        if old.stem != key and old.suffix in (".jsa", ".jar"):
            old.unlink(missing_ok=True)


def _run_hermit(path: Path) -> subprocess.CompletedProcess:
    """HermiT on ``path``. A run that writes the class-data archive moves it into place when
    it succeeded; when it failed (the archive could not be written, say) it is run again
    without one, so the archive never changes an answer."""
    command = hermit_command(path)
    dumping = next((o.split("=", 1)[1] for o in command if o.startswith("-XX:ArchiveClassesAtExit=")), None)
    done = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL)
    if dumping is None:
        return done
    pending = Path(dumping)
    try:
        if done.returncode == 0 and pending.is_file():
            archive = pending.with_name(pending.name.rsplit(".", 2)[0])
            os.replace(pending, archive)
            _forget_others(archive)
    except OSError:
        pass
    finally:
        pending.unlink(missing_ok=True)
    if done.returncode != 0:
        done = subprocess.run(hermit_command(path, archive=False), capture_output=True, stdin=subprocess.DEVNULL)
    return done


ANSWERS_KEPT = 16  # HermiT's answers the cache keeps (the newest), a few MB at most


def identity() -> str | None:
    """What HermiT's answer depends on besides what it is given: Java, the JVM's options and
    HermiT's files (None: it cannot run). A rebuild takes the last build's answer as its own
    only while this is the same (kg.held)."""
    classpath = hermit_classpath()
    if java() is None or classpath is None:
        return None
    try:
        return _hermit_key(*map(Path, classpath.split(":")))
    except OSError:
        return None


def _answer_file(given: bytes) -> Path | None:
    """Where HermiT's answer to ``given`` (N-Triples) is kept: named by a hash of it and of
    identity() (a new version of Java or HermiT asks again)."""
    cache = cache_dir()
    hermit = identity()
    if cache is None or hermit is None:
        return None
    key = hashlib.sha256(hermit.encode() + b"\0" + given).hexdigest()
    return cache / "answers" / f"{key[:32]}.json"


def _answered(path: Path | None) -> subprocess.CompletedProcess | None:
    """HermiT's answer kept at ``path`` (_answer_file), when a run before kept one: a rebuild
    whose sample of documents did not change, or `kg check` of the same build, skip the
    JVM (~1 s)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8")) if path is not None else None
        if not isinstance(record, dict) or record.get("returncode") != 0:
            return None
        os.utime(path)  # the newest kept
        return subprocess.CompletedProcess([], 0, record["stdout"].encode(), record["stderr"].encode())
    except (OSError, ValueError, KeyError, AttributeError):
        return None


def _keep_answer(path: Path | None, done: subprocess.CompletedProcess) -> None:
    """Keep a successful answer at ``path`` (written whole or not at all), and the
    ANSWERS_KEPT newest; a cache that cannot be written keeps nothing."""
    from kg.export import atomic_write

    if path is None or done.returncode != 0:
        return
    record = {"returncode": 0, "stdout": done.stdout.decode("utf-8", "replace"),
              "stderr": done.stderr.decode("utf-8", "replace")}  # fmt: skip
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(record).encode())
        kept = sorted(path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in kept[ANSWERS_KEPT:]:
            old.unlink(missing_ok=True)
    except (OSError, KGError):
        return


def without_annotations(triples: Iterable[Triple], g: Graph) -> list[Triple]:
    """The triples but annotation assertions: what HermiT's answer depends on. A property
    counts as an annotation when it is one of OWL's or declared one (and not also an
    object or datatype property)."""
    annotations = set(_BUILTIN_ANNOTATIONS) | set(g.subjects(RDF.type, OWL.AnnotationProperty))
    annotations -= {p for kind in _NON_ANNOTATION for p in g.subjects(RDF.type, kind)}
    return [t for t in triples if t.predicate not in annotations or t.predicate == RDF.type]


def memberships(output: str, g: Graph) -> list[Triple]:
    """The class memberships HermiT's taxonomy entails beyond those asserted in ``g``: each
    individual's direct types (its `Type` lines) and everything above them, owl:Thing aside."""
    parents: dict[str, set[str]] = {}
    direct: dict[str, set[str]] = {}
    for kind, names in _AXIOM.findall(output):
        iris = names.strip()[1:-1].split("> <")
        if kind == "SubClassOf":
            parents.setdefault(iris[0], set()).add(iris[1])
        elif kind == "EquivalentClasses":
            for a in iris:
                parents.setdefault(a, set()).update(b for b in iris if b != a)
        else:
            direct.setdefault(iris[0], set()).add(iris[1])
    for s, o in g.subject_objects(RDFS.subClassOf):  # the asserted hierarchy, for classes HermiT left out
        if isinstance(s, NamedNode) and isinstance(o, NamedNode):
            parents.setdefault(s.value, set()).add(o.value)
    closure = ancestors(lambda cls: parents.get(cls, ()))
    inferred = set()
    for ind, classes in direct.items():
        node = NamedNode(ind)
        asserted = {o.value for o in g.objects(node, RDF.type) if isinstance(o, NamedNode)}
        for cls in set().union(*(closure(c) for c in classes)) - asserted - {OWL.Thing.value, OWL.Nothing.value}:
            inferred.add(Triple(node, RDF.type, NamedNode(cls)))
    return sorted(inferred, key=sort_key)


def ancestors(parents: Callable[[T], Iterable[T]]) -> Callable[[T], set[T]]:
    """A class → the class and every class above it, by ``parents`` (its direct ones),
    remembered: the one walk up a hierarchy the reasoner's helpers and the gate share."""
    found: dict = {}

    def closure(cls: T) -> set[T]:
        if cls not in found:
            found[cls] = {cls}
            for parent in parents(cls):
                found[cls] |= closure(parent)
        return found[cls]

    return closure


def superclasses(g: Graph) -> Callable[[NamedNode], set[NamedNode]]:
    """ancestors by the named superclasses ``g`` asserts (rdfs:subClassOf)."""
    return ancestors(lambda cls: [p for p in g.objects(cls, RDFS.subClassOf) if isinstance(p, NamedNode)])


def display_label(g: Graph, node) -> str:
    """How a report names a node: its Chinese label, else its English one, else its local name."""
    labels = g.texts(node)
    return labels.get("zh") or labels.get("en") or local_name(node)


def disjoint_pairs(g: Graph) -> set[frozenset]:
    """Pairs of classes the ontology declares disjoint (owl:disjointWith, owl:AllDisjointClasses)."""
    pairs: set[frozenset] = set()
    for a, b in g.subject_objects(OWL.disjointWith):
        pairs.add(frozenset((a, b)))
    for node in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(g.items(g.value(node, OWL.members)))
        pairs.update(frozenset((a, b)) for i, a in enumerate(members) for b in members[i + 1 :])
    return pairs


def explain_clash(g: Graph) -> list[str]:
    """Name the individuals whose types (asserted, or implied by domain, range and
    subclass axioms) fall into two disjoint classes: what HermiT's bare error omits."""
    closure = superclasses(g)
    types: dict = {}
    for s, o in g.subject_objects(RDF.type):
        if (s, RDF.type, OWL.NamedIndividual) in g and isinstance(o, NamedNode) and o != OWL.NamedIndividual:
            types.setdefault(s, set()).add(o)
    for prop in set(g.subjects(RDF.type, OWL.ObjectProperty)):
        domain, rng = g.value(prop, RDFS.domain), g.value(prop, RDFS.range)
        for s, o in g.subject_objects(prop):
            if isinstance(domain, NamedNode) and s in types:
                types[s].add(domain)
            if isinstance(rng, NamedNode) and o in types:
                types[o].add(rng)
    pairs = disjoint_pairs(g)
    out = []
    for ind in sorted(types, key=sort_key):
        all_types = set().union(*(closure(t) for t in types[ind]))
        clashes = sorted({tuple(sorted(local_name(c) for c in p)) for p in pairs if p <= all_types})
        for a, b in clashes:
            name = f"{display_label(g, ind)} <{ind.value}>"
            out.append(f"{name} is both {a} and {b}, which the ontology declares disjoint")
    return out


def reason(full: Graph, require: bool = False) -> tuple[bool | None, list[Triple], str]:
    """HermiT on ``full`` (the ontology plus data): (consistent, inferred class memberships, note).
    Without Java, reasoning is skipped with a note, unless ``require``."""
    if java() is None:
        note = "Java not found: OWL reasoning (HermiT) skipped"
        if require:
            raise KGError(f"{note}, and --require-reasoner was given; install Java 17 or later")
        return None, [], note
    import pyoxigraph as ox

    given = ox.serialize(without_annotations(full, full), format=ox.RdfFormat.N_TRIPLES)
    answer = _answer_file(given)  # once: its key reads HermiT's files' metadata
    done = _answered(answer)
    if done is None:
        with tempfile.TemporaryDirectory(prefix="kg-reason-") as tmp:
            path = Path(tmp) / "full.nt"
            path.write_bytes(given)
            # xsd:gYear is outside the OWL 2 datatype map: --ignoreUnsupportedDatatypes makes its values opaque.
            done = _run_hermit(path)
        _keep_answer(answer, done)
    output = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace") + output
        if "Inconsistent ontology" in said:
            return False, [], "; ".join(explain_clash(full)) or "HermiT: the ontology plus data is inconsistent"
        lines = [line.strip() for line in said.splitlines() if line.strip()]
        raise KGError(f"HermiT failed: {lines[-1] if lines else f'java exited with {done.returncode}'}")
    return True, memberships(output, full), CONSISTENT
