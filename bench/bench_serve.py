"""`kg serve` under load, against `oxigraph serve-read-only` on the same data in the same run.

Both servers get the same build (full.trig; Oxigraph with --union-default-graph, which
gives the same rows as kg since a build holds each triple in one graph) and the same
mix of named SELECT queries. Load: 20 closed-loop clients on loopback, each with its
own keep-alive connection, each sending --requests queries. Then one client alone:
kg serve's latency per query minus the query's own time in pyoxigraph in this process.
The servers run one at a time, alternating, --rounds times.

Usage: python bench/bench_serve.py [--requests N] [--rounds N] [--workers N]
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from kg import query as q
from kg import serve

BIN = Path(sys.executable).parent
KG = [str(BIN / "kg")]
OXIGRAPH = str(BIN / "oxigraph")
CLIENTS = 20
TARGETS = {"throughput / oxigraph": 1.5, "p99 ms": 100.0, "one-client overhead ms": 1.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, path: str, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(f"the server on port {port} exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server on port {port} did not start")


def load(port: int, path: str, mix: list[str], requests: int) -> tuple[float, list[float], int]:
    """(requests per second, latencies, errors) of CLIENTS closed-loop clients."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start_line = threading.Barrier(CLIENTS + 1)

    def client(k: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine, bad = [], 0
        start_line.wait()
        for i in range(requests):
            url = path + "?" + urllib.parse.urlencode({"query": mix[(k + i) % len(mix)]})
            t = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Accept": "application/sparql-results+json"})
                r = conn.getresponse()
                r.read()
                bad += r.status != 200
            except OSError:
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    start_line.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return len(latencies) / elapsed, sorted(latencies), errors


def p99(latencies: list[float]) -> float:
    return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def one_client_overhead(port: int, named: dict, store, runs: int = 30) -> list[tuple[str, float, float]]:
    """Per query: (name, served median ms, in-process median ms)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out = []
    for name, text in named.items():
        url = "/sparql?" + urllib.parse.urlencode({"query": text})
        served, local = [], []
        for _ in range(runs):
            t = time.perf_counter()
            conn.request("GET", url, headers={"Accept": "application/sparql-results+json"})
            conn.getresponse().read()
            served.append(time.perf_counter() - t)
            t = time.perf_counter()
            q.format_result(q.evaluate(store, text), "json")
            local.append(time.perf_counter() - t)
        out.append((name, statistics.median(served) * 1000, statistics.median(local) * 1000))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=25, help="requests per client")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None, help="kg serve --workers (default: its own)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build, store_dir = Path(tmp) / "build", Path(tmp) / "oxigraph"
        subprocess.run([*KG, "build", "-q", "--skip-checks", "--out", str(build)], check=True)
        subprocess.run(
            [OXIGRAPH, "load", "--location", str(store_dir), "--file", str(build / "full.trig")],
            check=True,
            capture_output=True,
        )
        library = q.library()
        named = {
            name: q.with_values(nq.text, q.bind(nq, {}))
            for name, nq in library.items()
            if "CONSTRUCT" not in nq.text and "DESCRIBE" not in nq.text
        }
        mix = list(named.values())
        kg_port, ox_port = free_port(), free_port()
        kg_cmd = [*KG, "serve", "--data", str(build), "--port", str(kg_port)]
        if args.workers:
            kg_cmd += ["--workers", str(args.workers)]
        ox_cmd = [OXIGRAPH, "serve-read-only", "--location", str(store_dir), "--bind", f"127.0.0.1:{ox_port}"]
        ox_cmd.append("--union-default-graph")
        servers = {
            "oxigraph serve-read-only": (ox_cmd, ox_port, "/query"),
            "kg serve": (kg_cmd, kg_port, "/sparql"),
        }
        results: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in servers}
        store, _ = q.load_store(str(build))
        if serve.folder_mb(build / "store") <= serve.IN_MEMORY_MB:  # as kg serve's workers hold it
            store = q.in_memory(store)
        overhead = []
        for _ in range(args.rounds):
            for name, (cmd, port, path) in servers.items():
                proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                try:
                    wait_up(port, path + "?query=ASK%7B%7D", proc)
                    load(port, path, mix, 3)  # warm up
                    rps, lat, errors = load(port, path, mix, args.requests)
                    results[name].append((rps, statistics.median(lat) * 1000, p99(lat) * 1000, errors))
                    if name == "kg serve" and not overhead:
                        overhead = one_client_overhead(port, named, store)
                finally:
                    proc.terminate()
                    proc.wait(10)
    print(f"{CLIENTS} clients × {args.requests} requests of {len(mix)} named queries, {args.rounds} rounds\n")
    print(f"{'server':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, rows in results.items():
        for rps, p50, p_99, errors in rows:
            print(f"{name:28} {rps:8.0f} {p50:8.1f} {p_99:8.1f} {errors:7d}")
    kg_rps = statistics.median(r[0] for r in results["kg serve"])
    ox_rps = statistics.median(r[0] for r in results["oxigraph serve-read-only"])
    kg_p99 = statistics.median(r[2] for r in results["kg serve"])
    print(f"\n{'query':24} {'served ms':>10} {'in-process ms':>14} {'overhead ms':>12}")
    for name, served, local in overhead:
        print(f"{name:24} {served:10.2f} {local:14.2f} {served - local:12.2f}")
    extra = statistics.median(served - local for _, served, local in overhead)
    measured = {"throughput / oxigraph": kg_rps / ox_rps, "p99 ms": kg_p99, "one-client overhead ms": extra}
    print(f"\n{'measure':28} {'value':>8} {'target':>8} {'met':>4}")
    for key, value in measured.items():
        target = TARGETS[key]
        met = value >= target if key.startswith("throughput") else value <= target
        sign = "≥" if key.startswith("throughput") else "≤"
        print(f"{key:28} {value:8.2f} {sign + format(target, 'g'):>8} {'yes' if met else 'NO':>4}")


if __name__ == "__main__":
    main()
