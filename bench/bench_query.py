"""Named-query latency, cold through the CLI and warm in `kg serve`, pyoxigraph against rdflib;
and a bounded load run of 20 concurrent clients against `kg serve` on loopback.

Usage: python bench/bench_query.py [--build DIR] [--runs N] [--requests N]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from timing import import_rdflib, median_time

from kg import query as q

KG = [str(Path(sys.executable).with_name("kg"))]


def _rdflib_term(term):
    from rdflib import Literal, URIRef

    if hasattr(term, "datatype"):
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return URIRef(term.value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", default=None, help="a build folder (default: build one in a temporary folder)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=25, help="requests per client in the load run")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    build = Path(args.build or tmp.name)
    if not (build / "full.trig").exists():
        subprocess.run([*KG, "build", "-q", "--skip-checks", "--out", str(build)], check=True)
    from rdflib import Dataset

    store, _ = q.load_store(str(build))
    ds = Dataset(default_union=True)
    ds.parse(build / "full.trig", format="trig")
    port = free_port()
    server = subprocess.Popen([*KG, "serve", "--data", str(build), "--port", str(port)], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/sparql"
    for _ in range(100):
        try:
            urllib.request.urlopen(base, timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    try:
        baseline = median_time(import_rdflib, args.runs)
        print(f"baseline: python -c 'import rdflib' = {baseline * 1000:.0f} ms (median of {args.runs})\n")
        columns = ("CLI cold ms", "×base", "server ms", "pyoxigraph ms", "rdflib ms", "rdflib/ox")
        print(f"{'query':24} " + " ".join(f"{c:>13}" for c in columns))
        library = q.library()
        for name, named in library.items():
            bindings = q.bind(named, {})
            fmt = "ttl" if "CONSTRUCT" in named.text else "csv"
            command = [*KG, "query", name, "-f", fmt, "--data", str(build)]
            cli = median_time(lambda c=command: subprocess.run(c, check=True, capture_output=True), args.runs)
            served_text = q.with_values(named.text, bindings)
            url = base + "?" + urllib.parse.urlencode({"query": served_text})
            urllib.request.urlopen(url).read()
            warm = median_time(lambda u=url: urllib.request.urlopen(u).read(), args.runs)
            ox_time = median_time(lambda n=named, b=bindings: q.run(store, n.text, b), args.runs)
            init = {var: _rdflib_term(term) for var, term in bindings.items()}
            rd = median_time(lambda t=named.text, i=init: list(ds.query(t, initBindings=i)), max(1, args.runs // 2))
            values = (cli * 1000, cli / baseline, warm * 1000, ox_time * 1000, rd * 1000, rd / ox_time)
            print(f"{name:24} " + " ".join(f"{v:13.1f}" for v in values))
        # Load: 20 clients, each sending a bounded number of requests, on loopback only.
        mix = [q.with_values(n.text, q.bind(n, {})) for n in library.values() if "CONSTRUCT" not in n.text]
        latencies: list[float] = []
        errors = 0
        lock = threading.Lock()

        def client(k: int) -> None:
            nonlocal errors
            for i in range(args.requests):
                url = base + "?" + urllib.parse.urlencode({"query": mix[(k + i) % len(mix)]})
                start = time.perf_counter()
                try:
                    urllib.request.urlopen(url, timeout=60).read()
                    ok = True
                except OSError:
                    ok = False
                with lock:
                    latencies.append(time.perf_counter() - start)
                    errors += 0 if ok else 1

        threads = [threading.Thread(target=client, args=(k,)) for k in range(20)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(
            f"\nload: 20 clients × {args.requests} requests = {len(latencies)} in {elapsed:.1f} s: "
            f"{len(latencies) / elapsed:.0f} req/s, p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms, errors {errors}"
        )
    finally:
        server.terminate()
        server.wait(10)
        tmp.cleanup()


if __name__ == "__main__":
    main()
