"""The one RDF model every output reads: pyoxigraph terms, a build's quads in one fixed
order (``Data``), and a small index over triples (``Graph``) for the modules that walk it.

Why not rdflib: a build writes a dozen files from the same ~6,000 triples per plan, and
pyoxigraph's terms are made, hashed and serialized in Rust. rdflib's store costs more than
all the extraction (importing it alone is as long as reading the plan), and a graph 1,000
times larger does not fit its per-triple memory. rdflib is imported only where a library
needs its graphs: pyshacl (for a shapes file kg.shacl cannot run) and the tests' own readers.

Terms compare as pyoxigraph terms: ``node.value`` is an IRI or a literal's text, never
``str(node)`` (that is the N-Triples form, with <> and quotes).
"""

from __future__ import annotations

import bisect
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from kg import namespaces as ns

NamedNode = ox.NamedNode
BlankNode = ox.BlankNode
Literal = ox.Literal
Triple = ox.Triple
Quad = ox.Quad
DefaultGraph = ox.DefaultGraph


class Namespace:
    """``ONT.Task`` and ``ONT["Task"]`` as pyoxigraph named nodes, made once each."""

    def __init__(self, base: str) -> None:
        self._base = base
        self._made: dict[str, NamedNode] = {}

    def __getitem__(self, local: str) -> NamedNode:
        node = self._made.get(local)
        if node is None:
            node = self._made[local] = NamedNode(self._base + local)
        return node

    def __getattr__(self, local: str) -> NamedNode:
        """Called only for a name not yet made: the node is kept as an attribute, so that
        ``RDF.type`` in a loop over a million triples is a plain attribute read."""
        if local.startswith("_"):
            raise AttributeError(local)
        node = self[local]
        setattr(self, local, node)
        return node

    def __str__(self) -> str:
        return self._base


ONT = Namespace(ns.ONTOLOGY_NS)
RDF = Namespace(ns.RDF)
RDFS = Namespace(ns.RDFS)
OWL = Namespace(ns.OWL)
XSD = Namespace(ns.XSD)
SKOS = Namespace(ns.SKOS)
DCTERMS = Namespace(ns.DCTERMS)
PROV = Namespace(ns.PROV)
ORG = Namespace(ns.ORG)
ONTOLOGY_IRI = NamedNode(ns.ONTOLOGY_IRI)
TYPE = RDF.type
LABEL = RDFS.label
XSD_STRING = XSD.string


def local_name(node) -> str:
    """The part of an IRI after its last # or /."""
    s = node.value if hasattr(node, "value") else str(node)
    return s.rsplit("#", 1)[-1] if "#" in s else s.rsplit("/", 1)[-1]


def _value_of(node) -> str:
    return node.value


def subject_text(statement) -> str:
    """A statement's subject as N-Triples writes it: the start of its text, which sorts as
    the whole text does (an IRI's text ends with ">", which no IRI holds)."""
    return str(statement.subject)


def prefix_range(statements: list, prefix: str, lo: int = 0) -> tuple[int, int]:
    """Where the statements about the nodes ``<prefix…>`` lie in ``statements`` (sorted by
    their text, subject first): together, from ``lo`` on, every such subject sorting before
    ``<prefix-without-its-slash>0`` ("/" is just before "0")."""
    first = bisect.bisect_left(statements, f"<{prefix}", lo=lo, key=subject_text)
    return first, bisect.bisect_left(statements, f"<{prefix[:-1]}0", lo=first, key=subject_text)


def sort_key(statement) -> str:
    """Statements sort by their N-Triples / N-Quads text: one string per statement, and every
    statement of a subject lies together (a subject's text is followed by a space)."""
    return str(statement)


# A graph answers this many lookups of a predicate by subject by bisection before it makes
# that predicate's lookup table (Graph._found).
FEW_LOOKUPS = 256


class Graph:
    """Triples, each once, sorted, with the lookups the outputs make (the rdflib calls they
    used: objects, subjects, value, subject_objects, items), built on first use.

    A graph split from a Data (its union, or one of its named graphs) holds that Data's
    Quad objects instead of Triples made from them: both have .subject, .predicate and
    .object, and a Triple per statement was a second ~0.4 kB each (0.37 GB for a plan of
    4 MB). Iterating gives Triples either way."""

    def __init__(self, triples: Iterable[Triple] = (), presorted: bool = False) -> None:
        """``presorted``: the triples (or quads, one per triple) come sorted and each once
        already (from a Data's quads), so they are taken as they are."""
        self.statements: list = list(triples) if presorted else sorted(set(triples), key=sort_key)
        self._quads = bool(self.statements) and isinstance(self.statements[0], Quad)
        self._p: dict | None = None  # predicate → [statement], in order
        self._sp: dict = {}  # predicate → {subject: [objects]}, made for a predicate when first asked
        self._po: dict = {}  # predicate → {object: [subjects]}, likewise
        self._set: set | None = None
        self._asked: dict = {}  # predicate → lookups by subject answered by bisection (_found)

    def _index(self) -> None:
        """The predicate index, in one pass; the lookups by subject or object are made per
        predicate on first use (a page that asks only for rdf:type pays only for that). It
        holds the triples themselves: pairs of terms for every triple of a corpus's union
        were ~0.3 GB at 1,000 reports."""
        p_: dict = defaultdict(list)
        for t in self.statements:
            p_[t.predicate].append(t)
        self._p = p_

    def _lookup(self, p, by_object: bool) -> dict:
        """For predicate ``p``: subject → its statement with ``p`` (a list of them when it has
        several), or (``by_object``) object → them. The statements, not their terms: a term
        read off a statement is a new object each time, and one per statement of a 4 MB
        plan's labels, sources and types was ~0.2 GB; the terms are made when asked, for the
        nodes asked about. A node with one statement (most: a label, a source) keeps it
        bare, not in a list of its own: ~0.1 GB of lists at that plan's view."""
        cache = self._po if by_object else self._sp
        found = cache.get(p)
        if found is None:
            if self._p is None:
                self._index()
            found = {}
            for t in self._p.get(p, ()):
                key = t.object if by_object else t.subject
                have = found.get(key)
                if have is None:
                    found[key] = t
                elif type(have) is list:
                    have.append(t)
                else:
                    found[key] = [have, t]
            cache[p] = found
        return found

    def _found(self, p, node, by_object: bool) -> list | tuple:
        """The statements _lookup holds for ``node``, as a sequence. A node's statements with
        ``p`` as subject are found by bisection (they lie together, their text starting
        "<node> <p> ") until FEW_LOOKUPS have been asked of ``p``: a corpus's ontology page
        asks the sources of a few examples, and a lookup of every node's source took
        ~0.2 s at 1,000 reports."""
        if not by_object and p not in self._sp:
            asked = self._asked.get(p, 0)
            if asked < FEW_LOOKUPS:
                self._asked[p] = asked + 1
                prefix = f"{node} {p} "
                k = bisect.bisect_left(self.statements, prefix, key=sort_key)
                end = k
                while end < len(self.statements) and sort_key(self.statements[end]).startswith(prefix):
                    end += 1
                return self.statements[k:end]
        have = self._lookup(p, by_object).get(node)
        return () if have is None else have if type(have) is list else (have,)

    def forget(self) -> None:
        """Drop the lookups made so far (they are made again when asked): a corpus's pages
        visit each document graph once."""
        self._p, self._sp, self._po, self._set, self._asked = None, {}, {}, None, {}

    def __len__(self) -> int:
        return len(self.statements)

    def __iter__(self) -> Iterator[Triple]:
        return (q.triple for q in self.statements) if self._quads else iter(self.statements)

    def __contains__(self, triple) -> bool:
        if self._set is None:
            self._set = set(self)
        return (triple if isinstance(triple, Triple) else Triple(*triple)) in self._set

    def objects(self, s, p) -> list:
        return [t.object for t in self._found(p, s, by_object=False)]

    def subjects(self, p, o=None) -> list:
        """Subjects with ``p`` to ``o``; with ``o`` None, every subject that has ``p``, once."""
        if o is None:
            return list(self._lookup(p, by_object=False))
        return [t.subject for t in self._found(p, o, by_object=True)]

    def subject_objects(self, p) -> Iterator[tuple]:
        """(subject, object) of each statement with ``p``, made as they are read."""
        if self._p is None:
            self._index()
        return ((t.subject, t.object) for t in self._p.get(p, ()))

    def statements_with(self, p) -> list:
        """The statements with predicate ``p``, in order (Quads for a graph split from a Data:
        their graph_name is that of the first graph that holds the triple)."""
        if self._p is None:
            self._index()
        return self._p.get(p, [])

    def predicates(self) -> list:
        """Every predicate, once."""
        if self._p is None:
            self._index()
        return list(self._p)

    def distinct_objects(self, p) -> list:
        """Every object of ``p``, once."""
        return list(self._lookup(p, by_object=True))

    def least(self, p) -> tuple | None:
        """A statement with ``p`` to show as an example, the same on every run: the subject
        least by its value, and its object least by value. The statements are in the order
        of their text, subject first, so that subject is found without reading them all
        (reading every subject of a corpus's statements took ~0.25 s for ontology.html):
        the least IRI by value is the shortest subject whose IRI starts the first
        statement's (one that sorts before it by value would sort before it by text too,
        unless it starts it); blank nodes, after every IRI in that order, are compared
        too. A subject's statements are neighbours, so only those are compared for the
        object, and no lookup is made for ``p``."""
        found = self.statements_with(p)
        if not found:
            return None
        blank = bisect.bisect_left(found, "_:", key=subject_text)
        candidates = [found[k].subject for k in range(blank, len(found))]  # blank nodes: rare
        if blank:
            first = found[0].subject.value
            candidates.append(found[0].subject)
            for end in range(1, len(first)):
                if first[end] < ">":  # a subject <first[:end]> sorts after <first>: it may be one
                    k = bisect.bisect_left(found, f"<{first[:end]}>", key=subject_text)
                    if k < blank and found[k].subject.value == first[:end]:
                        candidates.append(found[k].subject)
                        break  # the shortest (the prefixes are tried shortest first)
        subject = min(candidates, key=_value_of)
        k = bisect.bisect_left(found, str(subject), key=subject_text)
        last = k
        while last + 1 < len(found) and found[last + 1].subject == subject:
            last += 1
        return subject, min((found[i].object for i in range(k, last + 1)), key=_value_of)

    def plus(self, other: Graph) -> Graph:
        """This graph's triples and ``other``'s, each once (``other`` the smaller: its
        statements are placed among this one's by bisection)."""
        return Graph(_merged(self.statements, other.statements), presorted=True)

    def count(self, p) -> int:
        """How many statements have ``p``."""
        if self._p is None:
            self._index()
        return len(self._p.get(p, ()))

    def value(self, s, p):
        found = self._lookup(p, by_object=False).get(s)
        return None if found is None else found[0].object if type(found) is list else found.object

    def items(self, head) -> list:
        """The members of an RDF list."""
        out = []
        while head is not None and head != RDF.nil:
            first = self.value(head, RDF.first)
            if first is None:
                break
            out.append(first)
            head = self.value(head, RDF.rest)
        return out

    def text(self, node, p=LABEL, language: str = "") -> str:
        """The value of a literal of ``node`` in ``language`` ("" any), or ""."""
        for o in self.objects(node, p):
            if isinstance(o, Literal) and (not language or o.language == language):
                return o.value
        return ""

    def texts(self, node, p=LABEL) -> dict[str, str]:
        """Language tag ("" for none) → value, for the literals of ``node``."""
        return {o.language or "": o.value for o in self.objects(node, p) if isinstance(o, Literal)}

    def types(self, node) -> list:
        return self.objects(node, TYPE)


def _once(quads: Iterable[Quad]) -> Iterator[Quad]:
    """Sorted quads without repeats (equal quads are neighbours)."""
    last = None
    for q in quads:
        if q != last:
            yield q
            last = q


def _sorted_once(quads: Iterable[Quad]) -> list[Quad]:
    """The quads sorted by sort_key, each once: a subject's at a time, in the order of the
    subjects' texts (the same order: no subject's text is a prefix of another's followed by
    a character below the space after it). One sort of them all held a key string per quad,
    ~0.3 GB for a plan of 4 MB, and took half as long again."""
    by_subject: dict[str, list[Quad]] = defaultdict(list)
    for q in quads:
        by_subject[str(q.subject)].append(q)
    out: list[Quad] = []
    for subject in sorted(by_subject):
        group = by_subject.pop(subject)
        group.sort(key=sort_key)
        out.extend(_once(group))
    return out


def _triple_text(statement) -> str:
    return str(statement.triple) if isinstance(statement, Quad) else str(statement)


def _gallop(seq: list, k, lo: int, key) -> int:
    """bisect_left(seq, k, lo=lo, key=key), searched from ``lo`` outwards: ~2 log(distance)
    keys, not log(len): the elements placed one after another (_spliced, with_graph) are
    mostly near the last."""
    end, hi, step = len(seq), lo, 1
    while hi < end and key(seq[hi]) < k:
        lo = hi + 1
        hi = lo + step
        step *= 2
    return bisect.bisect_left(seq, k, lo=lo, hi=min(hi, end), key=key)


def _spliced(big: list, small: list, key, drop_equal: bool = False) -> list:
    """Two lists sorted by ``key`` as one, in that order, an element of ``small`` before an
    element of ``big`` with the same key (or, with ``drop_equal``, left out then). Each of
    ``small`` is placed by bisection, so ``key`` is called ~len(small) · log len(big) times,
    not once per element of ``big``: merging the ontology into a 4 MB plan's quads made a
    key string for each of 0.9 million quads, twice. An element that goes before the same
    element of ``big`` as the one before it is placed without a bisection: a document's own
    quads lie together in the order, and a rebuild placed a changed report's among the
    shared ones at ~17 keys each."""
    out: list = []
    start, end = 0, len(big)
    after = key(big[0]) if big else None  # the key of big[start]
    for x in small:
        k = key(x)
        if start < end and k > after:
            start_was = start
            start = _gallop(big, k, start + 1, key)
            out.extend(big[start_was:start])
            after = key(big[start]) if start < end else None
        if not (drop_equal and start < end and after == k):
            out.append(x)
    out.extend(big[start:])
    return out


def _as_quads(statements: list) -> list:
    default = DefaultGraph()
    return [x if isinstance(x, Quad) else Quad(*x, default) for x in statements]


def _merged(a: list, b: list) -> list:
    """Two graphs' statements (Triples or Quads, each sorted by its triple's text, each
    triple once; ``b`` the smaller) merged in that order, each triple once (``a``'s kept);
    all Quads when either side has any (a Triple as a quad of the default graph), as a
    Graph's statements are all one kind."""
    if any(isinstance(x, Quad) for x in (a[:1] + b[:1])):
        a, b = (side if not side or isinstance(side[0], Quad) else _as_quads(side) for side in (a, b))
    return _spliced(a, b, _triple_text, drop_equal=True)


class Data:
    """A dataset as quads, each once, in one order: what `kg build` makes and every other
    command reads back (data.nq). Each document is one named graph."""

    def __init__(self, quads: Iterable[Quad], prefixes: dict[str, str] | None = None, presorted: bool = False) -> None:
        """``presorted``: the quads come sorted and each once already, and are taken as they are."""
        self.quads: list[Quad] = list(quads) if presorted else _sorted_once(quads)
        self.prefixes = dict(prefixes) if prefixes is not None else dict(ns.PREFIXES)
        self._union: Graph | None = None
        self._graphs: dict | None = None
        self._union_parts: tuple[Data, Graph] | None = None
        self._by_graph: tuple[set, dict] | None = None
        self.dropped: list[Quad] = []  # with_graph: the quads of the other graphs left out

    @classmethod
    def load(cls, paths: Iterable[str | Path], prefixes: dict[str, str] | None = None) -> Data:
        """Read RDF files (any format pyoxigraph reads) into one Data."""
        quads: list[Quad] = []
        for path in paths:
            fmt = ox.RdfFormat.from_extension(Path(path).suffix.lstrip("."))
            quads.extend(ox.parse(path=str(path), format=fmt))
        return cls(quads, prefixes)

    def graphs(self) -> dict[NamedNode, Graph]:
        """Each named graph as a Graph, by name, in the order of the names."""
        if self._graphs is None:
            self._split()
        return self._graphs

    def union(self) -> Graph:
        """Every graph's triples together, each once."""
        if self._union is None and self._union_parts is not None:
            # This data plus a graph (with_graph): the two unions merged, their statements
            # shared, not a second copy of a corpus's triples.
            data, graph = self._union_parts
            self._union = data.union().plus(graph)
        if self._union is None:
            self._split()
        return self._union

    def _split(self, runs: Iterable[tuple[NamedNode | None, int, int]] | None = None) -> None:
        """The union and the graphs in one pass over the quads, holding the quads themselves
        (the first of each triple's for the union): at 1,000 reports a second copy of every
        triple was ~0.5 GB, and a Triple per statement ~0.4 kB more.

        The quads are sorted by their text, subject first and graph last: each graph's
        triples come out in their own order already, and a triple held by several graphs
        comes in a run (its first is kept). ``runs``: split_along's."""
        union: list[Quad] = []
        grouped: dict = defaultdict(list)
        last = None
        quads = self.quads
        for owner, start, end in runs if runs is not None else [(None, 0, len(quads))]:
            if owner is not None and end > start:
                # One graph's quads: each triple once; only the first may be the triple of
                # the quad before it (another graph's, sorted first).
                union.extend(quads[start + 1 if quads[start].triple == last else start : end])
                grouped[owner].extend(quads[start:end])
                last = quads[end - 1].triple
                continue
            for q in quads[start:end]:
                t = q.triple
                if t != last:
                    union.append(q)
                    last = t
                if not isinstance(q.graph_name, ox.DefaultGraph):
                    grouped[q.graph_name].append(q)
        self._union = Graph(union, presorted=True)
        self._graphs = {g: Graph(grouped[g], presorted=True) for g in sorted(grouped, key=sort_key)}

    def split_along(self, runs: Iterable[tuple[NamedNode | None, int, int]]) -> None:
        """Make the union and the graphs (graphs(), union()) now, told where the quads lie:
        ``runs`` cover the quads in order, each (its graph, start, end) when every quad of it
        is in that graph, or (None, start, end). A run of one graph is taken whole, not read
        quad by quad: kg build knows each document's runs from cutting the flat files
        (kg.blocks), and splitting a corpus of 1,000 reports quad by quad took ~1 s.
        Nothing is done when they are made already."""
        if self._graphs is None and self._union_parts is None:
            self._split(runs)

    def let_go(self, step: int = 50_000) -> None:
        """Empty this data, its quads freed ``step`` at a time: freeing a corpus's million
        quads at once held the GIL for ~0.5 s, which a thread beside (kg build removing the
        old build) then waited out; between steps it runs."""
        self._union = self._graphs = self._union_parts = self._by_graph = None
        quads, self.quads = self.quads, []
        while quads:
            del quads[-step:]

    def __len__(self) -> int:
        return len(self.quads)

    def by_graph(self, predicates: Iterable) -> dict[NamedNode, dict]:
        """Each named graph (in the order of the names) → predicate → its statements with
        that predicate, for the ``predicates`` given, in the graph's order: one pass over
        the graphs' quads that reads a quad's predicate alone unless it is wanted (reading
        the four terms of each of a corpus's 1.2 million quads took ~1.5 s a pass). The last
        answer is kept: a call for some of its predicates is answered from it (kg build's
        summary, VoID and corpus index ask for theirs in one call first)."""
        wanted = set(predicates)
        if self._by_graph is not None and wanted <= self._by_graph[0]:
            return self._by_graph[1]
        out: dict[NamedNode, dict] = {}
        for name, graph in self.graphs().items():
            found: dict = defaultdict(list)
            for q in graph.statements:
                p = q.predicate
                if p in wanted:
                    found[p].append(q)
            out[name] = found
        self._by_graph = (wanted, out)
        return out

    def plus(self, other: Data) -> Data:
        """This data and ``other``'s quads (none in both: other graphs), in the one order:
        ``other``'s (the smaller) placed among these by bisection, not all sorted again."""
        big, small = (self.quads, other.quads) if len(self.quads) >= len(other.quads) else (other.quads, self.quads)
        return Data(_spliced(big, small, sort_key), self.prefixes, presorted=True)

    def with_graph(self, name: NamedNode, graph: Graph) -> Data:
        """This data plus ``graph`` as a named graph, each triple held once: what ``graph``
        states (the framework a document graph copies so that its exports stay readable) is
        left out of the other graphs."""
        quads = self.quads
        # The quads of a triple ``graph`` states: found by bisection (all of a triple's
        # quads are neighbours, from the one in the default graph, whose text is the
        # triple's), not by reading every quad's triple.
        # The triples come in the quads' order, so each is searched for from the last.
        gone: list[int] = []
        at = 0
        for t in graph:
            j = at = _gallop(quads, str(t), at, sort_key)
            while j < len(quads) and quads[j].triple == t:
                gone.append(j)
                j += 1
        gone = sorted(set(gone))
        kept = quads
        if gone:
            kept, last = [], 0
            for j in gone:
                kept.extend(quads[last:j])
                last = j + 1
            kept.extend(quads[last:])
        added = sorted((Quad(s, p, o, name) for s, p, o in graph), key=sort_key)
        out = Data(_spliced(kept, added, sort_key, drop_equal=True), self.prefixes, presorted=True)
        out._union_parts = (self, graph)
        out.dropped = [quads[j] for j in gone]
        return out

    def with_ontology(self, ontology: Graph) -> Data:
        return self.with_graph(ONTOLOGY_IRI, ontology)

    def rdflib(self):
        """The same quads as an rdflib Dataset, for libraries that need one (pyshacl, tests)."""
        from rdflib import Dataset

        ds = Dataset()
        for prefix, iri in self.prefixes.items():
            ds.bind(prefix, iri)
        for q in self.quads:
            ds.graph(to_rdflib(q.graph_name)).add(tuple(map(to_rdflib, q.triple)))
        return ds


def to_rdflib(term):
    """One pyoxigraph term as rdflib's."""
    from rdflib import BNode as RBNode
    from rdflib import Literal as RLiteral
    from rdflib import URIRef

    if isinstance(term, NamedNode):
        return URIRef(term.value)
    if isinstance(term, BlankNode):
        return RBNode(term.value)
    if term.language:
        return RLiteral(term.value, lang=term.language)
    if term.datatype == XSD_STRING:
        return RLiteral(term.value)
    return RLiteral(term.value, datatype=URIRef(term.datatype.value))


def to_oxigraph(term):
    """One rdflib term as pyoxigraph's."""
    from rdflib import BNode as RBNode
    from rdflib import URIRef

    if isinstance(term, URIRef):
        return NamedNode(str(term))
    if isinstance(term, RBNode):
        return BlankNode(str(term))
    if term.language:
        return Literal(str(term), language=term.language)
    if term.datatype is not None:
        return Literal(str(term), datatype=NamedNode(str(term.datatype)))
    return Literal(str(term))


def rdflib_graph(triples: Iterable[Triple]):
    """Triples as an rdflib Graph (pyshacl validates one); each distinct term converted once."""
    from rdflib import Graph as RGraph

    g = RGraph()
    for prefix, iri in ns.PREFIXES.items():
        g.bind(prefix, iri)
    terms: dict = {}

    def term(t):
        found = terms.get(t)
        if found is None:
            found = terms[t] = to_rdflib(t)
        return found

    g.addN((term(s), term(p), term(o), g) for s, p, o in triples)
    return g


def load_ontology(path: str | Path) -> Graph:
    """The ontology with its blank nodes named by content (RDFC-1.0), so every output that
    holds it is byte-stable. Read once per process: the build, its view, its docs and the
    framework all read the same file (the Graph is never changed)."""
    return _ontology(str(Path(path).resolve()))


@functools.lru_cache(maxsize=4)
def _ontology(path: str) -> Graph:
    quads = ox.Dataset(ox.parse(path=path, format=ox.RdfFormat.TURTLE))
    quads.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return Graph(q.triple for q in quads)
