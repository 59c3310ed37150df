"""Named-query latency, cold through the CLI and warm in `kg serve`, pyoxigraph against rdflib.
(The load run against `oxigraph serve-read-only` is bench/bench_serve.py.)

Usage: python bench/bench_query.py [--build DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from timing import ENV, import_rdflib, median_time

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
            cli = median_time(lambda c=command: subprocess.run(c, check=True, capture_output=True, env=ENV), args.runs)
            served_text = q.with_values(named.text, bindings)
            url = base + "?" + urllib.parse.urlencode({"query": served_text})
            urllib.request.urlopen(url).read()
            warm = median_time(lambda u=url: urllib.request.urlopen(u).read(), args.runs)
            ox_time = median_time(lambda n=named, b=bindings: q.run(store, n.text, b), args.runs)
            init = {var: _rdflib_term(term) for var, term in bindings.items()}
            rd = median_time(lambda t=named.text, i=init: list(ds.query(t, initBindings=i)), max(1, args.runs // 2))
            values = (cli * 1000, cli / baseline, warm * 1000, ox_time * 1000, rd * 1000, rd / ox_time)
            print(f"{name:24} " + " ".join(f"{v:13.1f}" for v in values))
    finally:
        server.terminate()
        server.wait(10)
        tmp.cleanup()


if __name__ == "__main__":
    main()
