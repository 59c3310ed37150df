"""The flat RDF files as runs of statements, so that a rebuild copies what did not change.

A corpus's data.nq, data.ttl, full.trig … each hold every report. When one report of a
thousand changes, serializing them all again took ~10 s of a ~40 s rebuild. So each file is
written as segments in the statements' one order (kg.rdf.Data: sorted, subject first):

- a segment *owned* by a document's graph: a run of statements of that graph about that
  document's own nodes (subjects ``<base><slug>/…``, its graph ``<base><slug>/graph``), so
  that what it holds depends on that graph alone;
- a shared segment: everything else (the entities several reports name, the ontology).
  For a build whose files the next one copies from, it is cut into chunks at subjects a
  hash picks (CHUNK_SPREAD), each keyed by a hash of its statements' text, so that a chunk
  no changed report touched is copied too.

Every document's own statements lie together in that order (their subjects share a
prefix), so a document's graph is one segment, or a few when another graph holds a
statement about its nodes. The build records each owned segment's byte range and
statement count (``index``), and each chunk's key; the next build copies a segment's bytes
from the last file when its graph is unchanged and it has as many segments of the same
counts (the same sorted statements), or a chunk's when the key is the same, and
serializes the rest. The bytes are those the same build writes
from nothing: the segments are cut at the same places either way. A rebuild need not even
hold a kept report's own statements (kg.held): its run is an *absent* segment, placed where
its nodes sort and copied.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from kg import resources
from kg.namespaces import DOCUMENT_GRAPH, document_prefix, node_prefix
from kg.rdf import Data, NamedNode, prefix_range, subject_text

# A shared segment is cut into chunks, each ending after a subject whose text's CRC-32 is a
# multiple of CHUNK_SPREAD: the cuts fall at the same subjects build after build, whatever
# changed elsewhere, so that a chunk no changed report touched holds the same statements as
# the last build's and is copied (at 1,000 reports the shared statements are ~0.11 million,
# each file's in ~300 chunks; one report names a few dozen of their entities).
CHUNK_SPREAD = 16


@dataclass(frozen=True)
class Segment:
    owner: str | None  # the IRI of the graph whose own statements these are; None: shared
    start: int
    end: int
    key: str | None = None  # a shared chunk's: a hash of its statements' text (_keyed)
    absent: int = 0  # statements not held (a kept report's run, copied from the last file: Segmented's absent)

    @property
    def count(self) -> int:
        return self.end - self.start + self.absent


class Segmented:
    """A Data's statements cut into segments, for the dataset syntaxes (its quads) and for
    the others (its union: each triple once), made once for the six files of each.
    ``graphs``: the document graphs of these quads (Data.graphs, of this Data or of one
    whose document graphs are the same), when they are made already: a document's run is
    then found whole by counting (_dataset_cut). ``texts``: a dict in which the shared
    chunks' keys are kept (by their statements' ids), when the next build is to copy chunks
    (kg.build's flat files: the four cuts of data and full share the statements, and a
    chunk's key is made once); without it the shared segments are
    whole (no file of the next build is made from this one's). ``absent``: graph IRI → the
    statement count of its one owned run, for the document graphs whose own statements the
    data does not hold (a rebuild's kept reports, kg.held): each is a segment of that count
    at its place in the order, which the file written copies from the last one.
    ``by_subject``: the document graphs (IRIs) whose statements are theirs by their subject
    alone, whatever their graph (the inferred memberships, all in a graph of their own; the
    entities' are no document's, however their IRIs look).
    ``template``: for the dataset syntaxes (True) and the others (False), the last files'
    segments (template()), when this build's are theirs but the runs of the documents
    ``held`` (graph IRIs), which the data holds (a rebuild whose changed reports add the
    same shared statements as before: kg.held's shared runs): each held run is cut where its
    document's nodes lie, and every other segment copied as it was."""

    def __init__(
        self,
        data: Data,
        graphs: dict | None = None,
        texts: dict | None = None,
        owned: dict | None = None,
        absent: dict | None = None,
        by_subject: frozenset | None = None,
        template: dict[bool, list] | None = None,
        held: frozenset = frozenset(),
    ) -> None:
        self.data = data
        self.graphs = graphs
        self.texts = texts
        self.owned = owned
        self.absent = absent or {}
        self.by_subject = by_subject
        self.template = template
        self.held = held
        self._cut: dict[bool, tuple[list, list[Segment]]] = {}

    def cut(self, dataset: bool) -> tuple[list, list[Segment]]:
        if self.template is not None:
            if dataset not in self._cut:
                self._cut[dataset] = (self.data.quads, _templated(self.data.quads, self.template[dataset], self.held))
            return self._cut[dataset]
        if True not in self._cut:
            quads = self.data.quads
            segments = _dataset_cut(self.data, self.graphs, self.owned, self.by_subject)
            if self.absent:
                segments = _with_absent(quads, segments, self.absent)
            if self.texts is not None:
                segments = _keyed(quads, _chunks(quads, segments), self.texts)
            self._cut[True] = (quads, segments)
        if dataset is False and False not in self._cut:
            statements, segments = _union_cut(self.data.quads, self._cut[True][1])
            if self.texts is not None:
                segments = _keyed(statements, segments, self.texts)
            self._cut[False] = (statements, segments)
        return self._cut[dataset]


def template(previous: Previous | None) -> list[tuple[str, int]] | None:
    """The segments of the last file as (their graph's IRI or their chunk's key, statement
    count), in order (Segmented's template), when it is intact and each graph and each key
    is one segment of it; else None."""
    if previous is None or not previous.intact():
        return None
    try:
        found = [(owner, count) for owner, count, _, _ in previous.index["segments"]]
    except (KeyError, TypeError, ValueError):
        return None
    if len({owner for owner, _ in found}) != len(found):
        return None
    return found


def _templated(quads: list, template: list[tuple[str, int]], held: frozenset) -> list[Segment]:
    """The segments of ``template`` (template()): a held document's run where its nodes lie
    in ``quads`` (the union's statements are a graph's quads there: each triple once), none
    when it has no statement there now (as a cut of the whole would find none); every other
    an absent segment of its count, copied from the last file."""
    out = []
    for owner, count in template:
        if owner in held:
            first, end = prefix_range(quads, document_prefix(owner))
            if end > first:
                out.append(Segment(owner, first, end))
        elif owner.startswith("#"):
            out.append(Segment(None, 0, 0, owner, absent=count))
        else:
            out.append(Segment(owner, 0, 0, absent=count))
    return out


def _with_absent(quads: list, segments: list[Segment], absent: dict) -> list[Segment]:
    """``segments`` with a segment of each absent run (graph IRI → its count) at its place:
    where its document's own nodes would sort, a shared segment there cut in two. No quad
    held may be about those nodes: the run's place would then be within them."""
    places = []
    for owner, count in absent.items():
        prefix = document_prefix(owner)
        at, end = prefix_range(quads, prefix)
        if end != at:
            raise ValueError(f"{owner}: statements about its nodes are held besides its absent run")
        places.append((at, prefix, owner, count))
    places.sort()
    out: list[Segment] = []
    k = 0
    for seg in segments:
        while k < len(places) and places[k][0] <= seg.start:
            out.append(Segment(places[k][2], places[k][0], places[k][0], absent=places[k][3]))
            k += 1
        start = seg.start
        while k < len(places) and places[k][0] < seg.end:
            if seg.owner is not None:
                raise ValueError(f"{places[k][2]}: its absent run falls within {seg.owner}'s")
            if places[k][0] > start:
                out.append(Segment(None, start, places[k][0]))
            out.append(Segment(places[k][2], places[k][0], places[k][0], absent=places[k][3]))
            start = places[k][0]
            k += 1
        out.append(Segment(seg.owner, start, seg.end))
    out.extend(Segment(owner, at, at, absent=count) for at, _, owner, count in places[k:])
    return out


def _chunks(quads: list, segments: list[Segment]) -> list[Segment]:
    """The shared segments cut into chunks (CHUNK_SPREAD), at subjects' ends."""
    out: list[Segment] = []
    for seg in segments:
        if seg.owner is not None:
            out.append(seg)
            continue
        start = k = seg.start
        while k < seg.end:
            subject = quads[k].subject
            k += 1
            while k < seg.end and quads[k].subject == subject:
                k += 1
            if zlib.crc32(str(subject).encode()) % CHUNK_SPREAD == 0 or k == seg.end:
                out.append(Segment(None, start, k))
                start = k
    return out


def _keyed(statements: list, segments: list[Segment], texts: dict) -> list[Segment]:
    """Each shared chunk with its key: a hash of its statements' N-Quads bytes (which give
    their bytes in any syntax, with the same prefixes and writer: writer_key), serialized by
    pyoxigraph a chunk at a call: a statement's text made in Python (str) took ~0.5 s of a
    rebuild at 1,000 reports, the chunks' N-Quads ~0.1. The key of a chunk of the very same
    statements is made once (``texts``, by the tuple of their ids: full.*'s chunks are
    data.*'s but around the ontology's graph)."""
    import pyoxigraph as ox

    out = []
    for seg in segments:
        if seg.owner is None:
            part = statements[seg.start : seg.end]
            ids = tuple(map(id, part))
            key = texts.get(ids)
            if key is None:
                body = ox.serialize(part, format=ox.RdfFormat.N_QUADS)
                key = texts[ids] = "#" + hashlib.sha1(body).hexdigest()
            seg = Segment(None, seg.start, seg.end, key)
        out.append(seg)
    return out


def _dataset_cut(
    data: Data, graphs: dict | None = None, owned: dict | None = None, by_subject: frozenset | None = None
) -> list[Segment]:
    """Each quad is its graph's own when its subject is one of that document's nodes
    (``<base><slug>/…`` in the graph ``<base><slug>/graph``): so what a segment holds depends
    on its graph alone. A document's nodes lie together (the quads are sorted by their text,
    subject first), so each document's range is found by bisection on the subjects' text,
    and only its quads' graphs are read: reading every quad's subject took ~0.8 s at 1,000
    reports. With the document ``graphs`` (Segmented), not even those: when the graph holds
    as many statements about the document's nodes as the range has quads, they are the
    range (~0.25 s a cut at 1,000 reports to a few ms). ``owned``: the same told as counts,
    graph IRI → how many statements it holds about its document's nodes (kg.digest's
    "own", kept for a rebuild's unchanged reports before any graph is split)."""
    quads = data.quads
    base = data.prefixes.get("id")
    segments: list[Segment] = []

    def add(owner: str | None, start: int, end: int) -> None:
        if end <= start:
            return
        if segments and segments[-1].owner == owner and segments[-1].end == start:
            start = segments.pop().start
        segments.append(Segment(owner, start, end))

    k = bisect.bisect_left(quads, f"<{base}", key=subject_text) if base else len(quads)
    add(None, 0, k)
    while k < len(quads):
        subject = quads[k].subject
        value = subject.value if isinstance(subject, NamedNode) else ""
        if not value.startswith(base):  # past the base's nodes: the rest is no document's
            add(None, k, len(quads))
            break
        prefix = node_prefix(value, base)
        if prefix is None:  # <base>name: no document's node; on to the next subject
            end = bisect.bisect_right(quads, str(subject), lo=k, key=subject_text)
            add(None, k, end)
            k = end
            continue
        end = prefix_range(quads, prefix, lo=k)[1]
        local = NamedNode(prefix + DOCUMENT_GRAPH)
        if (by_subject is not None and local.value in by_subject) or (
            owned is not None and owned.get(local.value) == end - k
        ):
            add(local.value, k, end)
            k = end
            continue
        if graphs is not None and local in graphs:
            first, last = prefix_range(graphs[local].statements, prefix)  # sorted as the quads are
            if last - first == end - k:
                add(local.value, k, end)
                k = end
                continue
        owner, start = None, k
        for j in range(k, end if by_subject is None else k):
            mine = quads[j].graph_name == local
            if mine != (owner is not None):
                add(owner, start, j)
                owner, start = (local.value if mine else None), j
        add(owner, start, end)
        k = end
    return segments


def _union_cut(quads: list, dataset: list[Segment]) -> tuple[list, list[Segment]]:
    """The union's statements (each triple once, in the quads' order) cut the same way: a
    triple is a graph's own when that graph holds it and its subject is that document's
    node. An owned segment of the quads is one graph's, so its triples are distinct; a
    triple another graph holds too lies beside it (equal triples are neighbours in that
    order), in a shared segment, and is left out there."""
    statements: list = []
    segments: list[Segment] = []
    for k, seg in enumerate(dataset):
        start = len(statements)
        if seg.absent:  # a kept report's run: its triples are distinct as its quads are
            segments.append(Segment(seg.owner, start, start, absent=seg.absent))
            continue
        if seg.owner is not None:
            statements.extend(quads[seg.start : seg.end])
        else:
            # A triple the neighbouring run holds too is left out here; an absent run holds
            # none of a shared segment's (no statement held is about its nodes).
            before = k > 0 and dataset[k - 1].owner is not None and not dataset[k - 1].absent
            after = k + 1 < len(dataset) and dataset[k + 1].owner is not None and not dataset[k + 1].absent
            last = quads[seg.start - 1].triple if before else None
            following = quads[seg.end].triple if after else None
            for q in quads[seg.start : seg.end]:
                t = q.triple
                if t != last and t != following:
                    statements.append(q)
                    last = t
        if len(statements) > start:
            segments.append(Segment(seg.owner, start, len(statements)))
    return statements, segments


# -- the syntaxes ---------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """How a file of one syntax is put together: ``header``, the segments' bodies
    (``separator`` between two), ``footer``. A body is a serialization of the segment's
    statements without its own framing: ``lead`` at its start and ``trail`` at its end."""

    header: bytes
    footer: bytes
    separator: bytes
    lead: bytes
    trail: bytes


@functools.cache
def layout(fmt: str, prefixes: tuple) -> Layout:
    import pyoxigraph as ox

    syntax = _syntax(fmt)
    given = dict(prefixes)
    if fmt in ("nt", "nq"):
        return Layout(b"", b"", b"", b"", b"")
    if fmt in ("ttl", "trig"):
        probe = ox.Triple(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:b"), ox.NamedNode("urn:x:c"))
        probe = ox.Quad(*probe, ox.DefaultGraph()) if syntax.supports_datasets else probe
        lines = ox.serialize([probe], format=syntax, prefixes=given).splitlines(keepends=True)
        header = b"".join(line for line in lines if line.startswith(b"@prefix "))
        return Layout(header, b"", b"", header, b"")
    if fmt == "rdfxml":
        empty = ox.serialize([], format=syntax, prefixes=given)
        footer = b"</rdf:RDF>"
        header = empty[: empty.rindex(footer)]
        return Layout(header, footer + b"\n", b"", header, footer)
    if fmt == "jsonld":
        return Layout(b"[", b"]\n", b",", b"[", b"]")
    raise ValueError(fmt)


class _Body:
    """What ox.serialize writes to, a few kB at a time: the serialization onto ``out``
    without its lead and trail (checked to be there), so that a segment of a whole large
    plan is never held as bytes, nor its statements as Triples all at once."""

    def __init__(self, out, form: Layout) -> None:
        self.out = out
        self.lead, self.trail = form.lead, form.trail
        self.seen = b""  # the lead, as written
        self.held = b""  # the last bytes, which may be the trail (and a newline after it)
        self.length = 0

    def write(self, data) -> int:
        data = bytes(data)
        given = len(data)
        if len(self.seen) < len(self.lead):
            take = len(self.lead) - len(self.seen)
            self.seen += data[:take]
            data = data[take:]
        if self.trail:
            data = self.held + data
            keep = len(self.trail) + 1
            data, self.held = (data[:-keep], data[-keep:]) if len(data) > keep else (b"", data)
        if data:
            _write(self.out, data)
            self.length += len(data)
        return given

    def flush(self) -> None:
        pass

    def close(self) -> int:
        """The body's length; raises when the framing was not what the file's is."""
        if self.seen != self.lead:
            raise ValueError("a segment's serialization does not start as the file's")
        if self.trail:
            held = self.held.removesuffix(b"\n")
            if not held.endswith(self.trail):
                raise ValueError("a segment's serialization does not end as the file's")
            rest = held[: len(held) - len(self.trail)]
            if rest:
                _write(self.out, rest)
                self.length += len(rest)
        return self.length


def _syntax(fmt: str):
    import pyoxigraph as ox

    return {
        "ttl": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "trig": ox.RdfFormat.TRIG,
        "nq": ox.RdfFormat.N_QUADS,
        "rdfxml": ox.RdfFormat.RDF_XML,
        "jsonld": ox.RdfFormat.JSON_LD,
    }[fmt]


def is_dataset(fmt: str) -> bool:
    return _syntax(fmt).supports_datasets


@functools.cache
def writer_key() -> str:
    """What the bytes of a segment depend on besides its statements: this module, the
    prefixes, and pyoxigraph's serializers. A last build's segments are copied only while
    it is the same."""
    import pyoxigraph as ox

    package = Path(__file__).resolve().parent
    digest = resources.files_digest([package / "blocks.py", package / "namespaces.py"])
    digest.update(ox.__version__.encode())
    return digest.hexdigest()


# -- writing --------------------------------------------------------------------


@dataclass(frozen=True)
class Previous:
    """The last build's file of the same name and syntax, with its index; ``changed``: the
    graphs (IRIs) whose statements may differ from that build's."""

    path: Path
    index: dict
    changed: frozenset

    def intact(self) -> bool:
        """Whether the last file is still the size its index says (not edited since)."""
        try:
            return isinstance(self.index, dict) and self.path.stat().st_size == self.index.get("size")
        except OSError:
            return False

    def runs(self) -> dict[str, list[tuple[int, int, int]]] | None:
        """Each owner of segments in the index (a graph's IRI, or a chunk's key "#…") → its
        segments' (count, offset, length), in the file's order; None when it is no index."""
        out: dict[str, list] = {}
        try:
            for owner, count, offset, length in self.index["segments"]:
                out.setdefault(owner, []).append((count, offset, length))
        except (KeyError, TypeError, ValueError):
            return None
        return out


def write(segmented: Segmented, fmt: str, path: Path, previous: Previous | None = None, copies=None) -> dict:
    """The file ``path`` in syntax ``fmt``, its owned segments copied from ``previous`` where
    they are unchanged; returns its index (for the next build's ``previous``). The segments
    serialized are written in place, each at its offset, and the copied ones after, into
    the gaps left for them: by ``copies`` (a Copies, whose thread copies without the GIL
    while the caller goes on; the file is whole once it has waited), or here."""
    segments = segmented.cut(is_dataset(fmt))[1]
    reuse = _reusable(previous, segments)
    gaps: list[tuple[int, int, int]] = []
    with open(path, "wb", buffering=0) as out:
        index = emit(segmented, fmt, out, reuse, gaps)
    if gaps:
        assert previous is not None
        fill = functools.partial(_fill, previous.path, path, gaps)
        if copies is not None:
            copies.add(fill)
        else:
            fill()
    return index


class Copies:
    """The unchanged runs copied into the flat files, on threads of their own: a rebuild of
    1,000 reports copies ~1.7 GB (copy_file_range, which runs without the GIL) while the
    gate and the other outputs are made. Two files at once: the 1.7 GB took 0.83 s on one
    thread and 0.48 on two (from the page cache). wait() before the files are read or
    swapped in; leaving the ``with`` waits for what was started and drops what was not."""

    THREADS = 2

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=self.THREADS, thread_name_prefix="kg-copies")
        self._started: list = []

    def add(self, job) -> None:
        self._started.append(self._pool.submit(job))

    def wait(self) -> None:
        """Until every copy is made; raises what one raised."""
        while self._started:
            self._started.pop(0).result()

    def __enter__(self) -> Copies:
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def serialize(data: Data, fmt: str) -> bytes:
    """The bytes write gives from nothing, in memory."""
    out = io.BytesIO()
    emit(Segmented(data), fmt, out)
    return out.getvalue()


def emit(segmented: Segmented, fmt: str, out, reuse: dict | None = None, gaps: list | None = None) -> dict:
    """The file, onto the binary file ``out``: each segment serialized, but where ``reuse``
    gives its place in the last file (_reusable): there a gap is left, its length, and
    (offset in the last file, offset here, length) put in ``gaps``, for _fill; returns the
    index."""
    import pyoxigraph as ox

    data = segmented.data
    dataset = is_dataset(fmt)
    statements, segments = segmented.cut(dataset)
    prefixes = {k: v for k, v in data.prefixes.items() if k != "id"}  # data IRIs hold slashes
    form = layout(fmt, tuple(prefixes.items()))
    syntax = _syntax(fmt)
    reuse = reuse or {}
    index: list = []
    ordinal: dict[str, int] = {}
    _write(out, form.header)
    position = len(form.header)
    first = True
    for seg in segments:
        source = None
        if seg.owner is not None:
            k = ordinal[seg.owner] = ordinal.get(seg.owner, -1) + 1
            source = reuse.get((seg.owner, k))
        elif seg.key is not None:
            source = reuse.get((seg.key, 0))
        if not first and form.separator:  # a segment holds a statement: its body is never empty
            _write(out, form.separator)
            position += len(form.separator)
        first = False
        if seg.absent and source is None:
            raise ValueError(f"{seg.owner}: an absent run the last file does not hold as it is")
        if source is not None:
            assert gaps is not None
            length = source[1]
            gaps.append((source[0], position, length))
            out.seek(position + length)
        else:
            part = statements[seg.start : seg.end]  # references only: 8 bytes a statement
            body = _Body(out, form)
            ox.serialize(part if dataset else (q.triple for q in part), body, format=syntax, prefixes=prefixes)
            length = body.close()
        if seg.owner is not None or seg.key is not None:
            index.append([seg.owner or seg.key, seg.count, position, length])
        position += length
    tail = form.footer if form.footer or position else b"\n"
    _write(out, tail)
    if gaps:
        out.truncate(position + len(tail))  # a gap at the end: the file its length already
    return {"size": position + len(tail), "segments": index}


def _reusable(previous: Previous | None, segments: list[Segment]) -> dict[tuple[str, int], tuple[int, int]]:
    """(graph, k) → (offset, length) in the last file of each owned segment whose bytes can be
    copied: its graph unchanged, cut into as many segments of the same counts; and (key, 0)
    → the same, of each shared chunk the last file holds with the same key."""
    old = previous.runs() if previous is not None and previous.intact() else None
    if old is None:
        return {}
    new: dict[str, list[int]] = {}
    out = {}
    for seg in segments:
        if seg.owner is not None:
            new.setdefault(seg.owner, []).append(seg.count)
        elif seg.key is not None and len(old.get(seg.key, ())) == 1 and old[seg.key][0][0] == seg.count:
            out[(seg.key, 0)] = old[seg.key][0][1:]
    for owner, counts in new.items():
        was = old.get(owner)
        if owner in previous.changed or was is None or [c for c, _, _ in was] != counts:
            continue
        for k, (_, offset, length) in enumerate(was):
            out[(owner, k)] = (offset, length)
    return out


def _write(out, data: bytes) -> None:
    """All of ``data`` (an unbuffered file may take part of it)."""
    view = memoryview(data)
    while view:
        view = view[out.write(view) :]


def _fill(source: Path, path: Path, gaps: list[tuple[int, int, int]]) -> None:
    """Copy into the file ``path`` its gaps' bytes from the last file ``source`` (emit's
    ``gaps``), neighbours in both at once."""
    runs: list[list[int]] = []
    for offset, at, length in gaps:
        if runs and runs[-1][0] + runs[-1][2] == offset and runs[-1][1] + runs[-1][2] == at:
            runs[-1][2] += length
        else:
            runs.append([offset, at, length])
    with open(source, "rb", buffering=0) as old, open(path, "r+b", buffering=0) as out:
        for offset, at, length in runs:
            _copy(old, out, offset, length, at)


def _copy(src, dst, offset: int, length: int, at: int) -> None:
    """``length`` bytes of ``src`` from ``offset`` into ``dst`` at ``at``: in the kernel
    (copy_file_range) where it can, else read and written."""
    done = 0
    while done < length:
        try:
            n = os.copy_file_range(src.fileno(), dst.fileno(), length - done, offset + done, at + done)
        except (AttributeError, OSError):
            src.seek(offset + done)
            chunk = src.read(min(length - done, 1 << 20))
            if not chunk:
                raise OSError(f"{src.name}: shorter than its index says") from None
            dst.seek(at + done)
            n = dst.write(chunk)
        if n == 0:
            raise OSError(f"{src.name}: shorter than its index says")
        done += n
