"""The output formats by name: what `kg export` and `kg query` write, in one light module
the CLI reads for its choices and completion without importing an RDF library."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str
    ext: str
    description: str


EXPORT_FORMATS = {
    f.name: f
    for f in (
        Format("ttl", "ttl", "Turtle"),
        Format("nt", "nt", "N-Triples (sorted)"),
        Format("trig", "trig", "TriG, one named graph per document"),
        Format("nq", "nq", "N-Quads, one named graph per document (sorted)"),
        Format("jsonld", "jsonld", "JSON-LD with a context"),
        Format("rdfxml", "rdf", "RDF/XML (opens in Protégé)"),
        Format("graphml", "graphml", "GraphML network (Gephi, Cytoscape, yEd)"),
        Format("gexf", "gexf", "GEXF network (Gephi)"),
        Format("csv", "", "nodes.csv and edges.csv for Neo4j import (into a directory)"),
        Format("csv-nodes", "csv", "the nodes CSV alone"),
        Format("csv-edges", "csv", "the edges CSV alone"),
    )
}
RDF_FORMATS = ("ttl", "nt", "trig", "nq", "jsonld", "rdfxml")

# `kg query`: SPARQL results for SELECT and ASK; RDF for CONSTRUCT and DESCRIBE.
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("ttl", "nt", "nq", "jsonld", "rdf")
