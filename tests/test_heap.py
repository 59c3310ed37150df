"""kg.heap and the view's network copies: the build's memory and time, without changing what it writes."""

from __future__ import annotations

import gc
import random

import pytest

from kg import build, graph, heap
from kg.network import Network


def test_collector_paused_pauses_the_cycle_collector_and_restores_it():
    seen = []

    @heap.collector_paused
    def work(fail: bool) -> int:
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("x")
        return 7

    assert gc.isenabled()
    assert work(False) == 7
    with pytest.raises(ValueError):
        work(True)
    assert seen == [False, False] and gc.isenabled()
    gc.disable()
    try:
        work(False)
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_a_build_runs_with_the_collector_paused_and_gives_memory_back(tmp_path, plan_path, monkeypatch):
    states, given = [], []
    real_build, real_give = graph.build, heap.give_back
    monkeypatch.setattr(graph, "build", lambda *a, **k: (states.append(gc.isenabled()), real_build(*a, **k))[1])
    monkeypatch.setattr(heap, "give_back", lambda: (given.append(1), real_give())[1])
    build.run([plan_path], tmp_path / "out", checks=False)
    assert states == [False] and given and gc.isenabled()


def _by_adding(net: Network, nodes) -> Network:
    """subgraph as add_node and add_edge make it: what the direct copy must equal, order included."""
    keep = set(nodes)
    out = Network()
    for n, attrs in net._attrs.items():
        if n in keep:
            out.add_node(n, **attrs)
    for u, v, k, d in net.edges(keys=True, data=True):
        if u in keep and v in keep:
            out.add_edge(u, v, key=k, **d)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_a_subgraph_is_what_adding_its_nodes_and_edges_gives(seed):
    rng = random.Random(seed)
    net = Network()
    names = [f"n{i}" for i in range(40)]
    rng.shuffle(names)
    for n in names[:30]:
        net.add_node(n, kind=rng.choice("ab"))
    for i in range(150):
        u, v = rng.choice(names), rng.choice(names)
        net.add_edge(u, v, key=f"e{rng.randrange(3)}", relation=rng.choice(["x", "y"]), n=i)
    for u, v, k in rng.sample(net.edges(keys=True), 20):
        if v in net._succ.get(u, {}) and k in net._succ[u][v]:
            net.remove_edge(u, v, k)
    nodes = rng.sample(list(net.nodes), 25)
    got, want = net.subgraph(nodes), _by_adding(net, nodes)
    for part in ("_attrs", "_succ", "_pred"):
        assert list(getattr(got, part).items()) == list(getattr(want, part).items())
        assert [list(v.items()) for v in getattr(got, part).values()] == [
            list(v.items()) for v in getattr(want, part).values()
        ]
    # Copies: changing the copy's attributes leaves the original as it was.
    first = next(iter(got._attrs))
    got.nodes[first]["kind"] = "changed"
    assert net.nodes[first]["kind"] != "changed"
    u, v, k, d = got.edges(keys=True, data=True)[0]
    d["relation"] = "changed"
    assert net._succ[u][v][k]["relation"] != "changed"
    # The two sides of an edge share one key dict, as add_edge makes them.
    assert got._succ[u][v] is got._pred[v][u]
