"""Time from navigation to interactive, in headless Chromium, for the network view of the
bundled plan and of a graph ten times larger (the plan's network copied ten times over),
against `python -c "import rdflib"` measured in the same run.

Usage: python bench/bench_viz.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser import open_page
from timing import import_rdflib, median_time

from kg import build, resources, viz
from kg.network import Network


def tenfold(net: Network) -> Network:
    """Ten disjoint copies of the network, every node renamed, so nothing merges."""
    big = Network()
    for k in range(10):
        for n, attrs in net.nodes(data=True):
            big.add_node(f"{n}#copy{k}", **{**attrs, "groups": set(attrs.get("groups", ()))})
        for u, v, key, data in net.edges(keys=True, data=True):
            big.add_edge(f"{u}#copy{k}", f"{v}#copy{k}", key=key, **data)
    return big


def time_to_interactive(path: Path, runs: int) -> tuple[float, float, int, str]:
    """Median seconds from navigation to the first view drawn, and to the full graph drawn."""
    url = path.as_uri()
    first, full = [], []
    nodes, view = 0, ""
    with open_page(url) as page:
        for _ in range(runs):
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_function("window.kgView && window.kgView.ready", timeout=120_000)
            first.append(time.perf_counter() - start)
            view = page.evaluate("window.kgView.view")
            start = time.perf_counter()
            page.click("#view-full")
            page.wait_for_function("window.kgView.ready && window.kgView.view === 'full'", timeout=120_000)
            full.append(time.perf_counter() - start)
            nodes = page.evaluate("window.kgView.nodes.length")
    return statistics.median(first), statistics.median(full), nodes, view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    net, title = viz.network_for(build.dataset([resources.default_corpus()]))
    big = tenfold(net)
    baseline = median_time(import_rdflib, args.runs)
    print(f"baseline: python -c 'import rdflib' = {baseline * 1000:.0f} ms\n")
    print(f"{'graph':34} {'build s':>8} {'first view':>16} {'× base':>7} {'full graph':>18} {'× base':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, graph, max_nodes in (
            ("bundled plan", net, viz.MAX_NODES),
            ("10× larger, summarized (default)", big, viz.MAX_NODES),
            ("10× larger, everything drawn", big, 10**6),
        ):
            start = time.perf_counter()
            files, _ = viz.views(graph, title, max_nodes=max_nodes)
            built = time.perf_counter() - start
            path = Path(tmp) / f"{abs(hash(name))}.html"
            path.write_bytes(files["graph.html"])
            first, full, nodes, view = time_to_interactive(path, args.runs)
            print(
                f"{name:34} {built:8.2f} {view:>8} {first:6.2f} s {first / baseline:7.1f} "
                f"{nodes:5d} nodes {full:5.2f} s {full / baseline:7.1f}"
            )


if __name__ == "__main__":
    main()
