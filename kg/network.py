"""A small directed multigraph of the plan's individuals and their relations.

The network view, the Neo4j CSV and the GraphML and GEXF exports read it. It keeps the part
of networkx's MultiDiGraph interface they use, in networkx's iteration order (nodes and
edges as added, a node's neighbours by first edge), so that `kg build` writes its view
without importing networkx (a tenth of the build's time); GraphML and GEXF are still
written by networkx, from ``to_networkx()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class _Nodes:
    """``net.nodes``: iterate the nodes, ``net.nodes[n]`` for attributes, ``net.nodes(data=True)``."""

    def __init__(self, net: Network) -> None:
        self._net = net

    def __iter__(self) -> Iterator[str]:
        return iter(self._net._attrs)

    def __len__(self) -> int:
        return len(self._net._attrs)

    def __contains__(self, node) -> bool:
        return node in self._net._attrs

    def __getitem__(self, node) -> dict:
        return self._net._attrs[node]

    def __call__(self, data: bool = False):
        return list(self._net._attrs.items()) if data else list(self._net._attrs)


class Network:
    def __init__(self) -> None:
        self._attrs: dict[str, dict] = {}
        self._succ: dict[str, dict[str, dict[str, dict]]] = {}  # u → v → key → edge attributes
        self._pred: dict[str, dict[str, dict[str, dict]]] = {}  # v → u → the same key dicts
        self.nodes = _Nodes(self)

    # -- building ---------------------------------------------------------------------------

    def add_node(self, node: str, **attrs) -> None:
        if node not in self._attrs:
            self._attrs[node] = {}
            self._succ[node] = {}
            self._pred[node] = {}
        self._attrs[node].update(attrs)

    def add_edge(self, u: str, v: str, key: str, **attrs) -> None:
        self.add_node(u)
        self.add_node(v)
        keys = self._succ[u].get(v)
        if keys is None:
            keys = self._succ[u][v] = {}
            self._pred[v][u] = keys
        keys.setdefault(key, {}).update(attrs)

    def remove_edge(self, u: str, v: str, key: str) -> None:
        keys = self._succ[u][v]
        del keys[key]
        if not keys:
            del self._succ[u][v]
            del self._pred[v][u]

    def remove_node(self, node: str) -> None:
        for v in list(self._succ[node]):
            del self._pred[v][node]
        for u in list(self._pred[node]):
            del self._succ[u][node]
        del self._succ[node], self._pred[node], self._attrs[node]

    def remove_nodes_from(self, nodes: Iterable[str]) -> None:
        for node in list(nodes):
            if node in self._attrs:
                self.remove_node(node)

    # -- reading ----------------------------------------------------------------------------

    def __contains__(self, node) -> bool:
        return node in self._attrs

    def __len__(self) -> int:
        return len(self._attrs)

    def number_of_nodes(self) -> int:
        return len(self._attrs)

    def number_of_edges(self) -> int:
        return sum(len(keys) for nbrs in self._succ.values() for keys in nbrs.values())

    def edges(self, keys: bool = False, data: bool = False) -> list[tuple]:
        out = []
        for u, nbrs in self._succ.items():
            for v, kd in nbrs.items():
                for k, d in kd.items():
                    out.append((u, v) + ((k,) if keys else ()) + ((d,) if data else ()))
        return out

    def out_edges(self, node: str, data: bool = False) -> list[tuple]:
        return [(node, v, d) if data else (node, v) for v, kd in self._succ[node].items() for d in kd.values()]

    def in_edges(self, node: str, data: bool = False) -> list[tuple]:
        return [(u, node, d) if data else (u, node) for u, kd in self._pred[node].items() for d in kd.values()]

    def has_edge(self, u: str, v: str) -> bool:
        return v in self._succ.get(u, {})

    def degree(self, node: str | None = None):
        """Edges in and out of ``node`` (each parallel edge counted); all nodes' when none is given."""
        if node is None:
            return [(n, self.degree(n)) for n in self._attrs]
        return sum(len(kd) for kd in self._succ[node].values()) + sum(len(kd) for kd in self._pred[node].values())

    def neighbourhood(self, seed: str, depth: int) -> set[str]:
        """The nodes within ``depth`` steps of ``seed``, edges read either way."""
        seen, frontier = {seed}, [seed]
        for _ in range(depth):
            nxt = []
            for n in frontier:
                for m in (*self._succ[n], *self._pred[n]):
                    if m not in seen:
                        seen.add(m)
                        nxt.append(m)
            frontier = nxt
        return seen

    # -- copies -----------------------------------------------------------------------------

    def subgraph(self, nodes: Iterable[str]) -> Network:
        """A new network of ``nodes`` (in this network's order) and the edges between them;
        attribute dicts are copied, their values shared, as networkx's ``subgraph().copy()``.
        Written into the new network's dicts directly, in the order add_node and add_edge
        would give: the view copies a large plan's network (55,000 nodes) more than once."""
        keep = set(nodes)
        out = Network()
        for n, attrs in self._attrs.items():
            if n in keep:
                out._attrs[n], out._succ[n], out._pred[n] = dict(attrs), {}, {}
        for u, nbrs in self._succ.items():
            if u not in keep:
                continue
            succ = out._succ[u]
            for v, kd in nbrs.items():
                if v in keep:
                    succ[v] = out._pred[v][u] = {k: dict(d) for k, d in kd.items()}
        return out

    def copy(self) -> Network:
        return self.subgraph(self._attrs)

    def to_networkx(self):
        """The same graph as a networkx MultiDiGraph (its GraphML and GEXF writers read one)."""
        import networkx as nx

        g = nx.MultiDiGraph()
        g.add_nodes_from((n, dict(a)) for n, a in self._attrs.items())
        g.add_edges_from((u, v, k, dict(d)) for u, v, k, d in self.edges(keys=True, data=True))
        return g
