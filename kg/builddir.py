"""Where a read command finds its build, and whether that build still matches its inputs.

One data model: `kg build` (and `kg check`) read text; every other command reads what a
build wrote, so nothing reaches an export, a query or a triple store without the build's
quality gate. A build records its inputs with their SHA-256 in ``build.json``; a read
command warns when an input has changed or gone since.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kg import __version__
from kg.errors import KGError

MANIFEST = "build.json"
DEFAULT = Path("build")
DATA_FILE = "data.nq"
FULL_FILE = "full.trig"
INFERRED_FILE = "inferred.trig"
STORE = "store"  # kg.build.STORE: the on-disk Oxigraph store


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(docs, base: str, lexicon_path: str | Path | None, ontology: Path) -> bytes:
    """build.json: what the build read (each input's path and SHA-256), the lexicon and
    ontology it used, its base IRI and the version of kg. No time stamp: the same inputs
    give the same bytes."""
    inputs = []
    for facts in sorted(docs, key=lambda d: d.slug):
        entry = {"path": facts.path, "sha256": facts.sha256}
        if facts.path != "-":
            entry["resolved"] = str(Path(facts.path).resolve())
        inputs.append(entry)
    record = {
        "kg_version": __version__,
        "base": base,
        "inputs": inputs,
        "ontology_sha256": _sha256(ontology),
    }
    if lexicon_path:
        record["lexicon"] = {"path": str(lexicon_path), "resolved": str(Path(lexicon_path).resolve()),
                             "sha256": _sha256(Path(lexicon_path))}  # fmt: skip
    return (json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def changed_inputs(folder: Path) -> list[str]:
    """One line per input of the build in ``folder`` that differs from what it read, or is gone."""
    try:
        record = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []  # a folder from an older kg, or an RDF file: nothing to compare
    entries = list(record.get("inputs", []))
    if "lexicon" in record:
        entries.append(record["lexicon"])
    notes = []
    for entry in entries:
        resolved = entry.get("resolved")
        if not resolved:
            continue  # standard input
        path = Path(resolved)
        try:
            now = _sha256(path)
        except OSError:
            notes.append(f"{entry['path']}: gone since the build in {folder}")
            continue
        if now != entry.get("sha256"):
            notes.append(f"{entry['path']}: changed since the build in {folder}; run kg build again")
    return notes


def is_build(folder: Path) -> bool:
    """Whether ``folder`` holds a build: data.nq, which every build writes (with its store,
    but for one from an older kg)."""
    return (folder / DATA_FILE).is_file()


def locate(data: str | None) -> Path | None:
    """The build folder or RDF file to read: ``data`` when given, else ./build when it holds
    a build, else None (the bundled plan, built in memory)."""
    if data:
        path = Path(data)
        if path.is_dir():
            if not is_build(path):
                raise KGError(f"{path}: no {DATA_FILE} here; run `kg build --out {path}` first")
            return path
        if path.is_file():
            return path
        raise KGError(f"{path}: no such file or build folder")
    if is_build(DEFAULT):
        return DEFAULT
    return None


def open_store(folder: Path):
    """The build's on-disk store, opened read-only (None when the build has none)."""
    import pyoxigraph as ox

    if not (folder / STORE).is_dir():
        return None
    try:
        return ox.Store.read_only(str(folder / STORE))
    except OSError as e:
        raise KGError(f"{folder / STORE}: cannot open the store: {' '.join(str(e).split())}") from None


def load(data: str | None, inferred: bool = False):
    """The Data a read command reads, and where it came from (for a note)."""
    from kg.rdf import Data

    where = locate(data)
    if where is None:
        from kg import build

        return build.dataset([]), "the bundled plan, built in memory (no build in ./build)"
    files = [where]
    if where.is_dir():
        extra = [where / INFERRED_FILE] if inferred and (where / INFERRED_FILE).exists() else []
        files = [where / DATA_FILE, *extra]
    try:
        return Data.load(files), ", ".join(map(str, files))
    except (SyntaxError, ValueError, OSError) as e:
        raise KGError(f"{where}: cannot read the build: {' '.join(str(e).split())}") from None
