"""A pool of query worker processes for `kg serve`: started once, each holding the store.

A thread cannot be stopped and pyoxigraph has no deadline of its own, so queries run in
worker processes (spawned, never forked from the threaded server: spawn works on every
platform). A query that runs past its limit is answered 503 and its worker is killed and
replaced, so the CPU it held is freed; a worker that crashes (pyoxigraph's parser can
overflow its stack on a huge expression) is replaced the same way. While one worker is
busy, the others keep answering.

The server talks to a worker over a pipe: (query, format, dataset) in, (status, kind,
body) out. The query has already passed kg.guard in the server, so a worker only
evaluates and serializes.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

READY = "ready"


@dataclass(frozen=True)
class Request:
    query: str
    fmt: str  # a kg.query format name: json, xml, csv, tsv, ttl, nt, nq, jsonld, rdf
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Reply:
    status: int  # 200, 400 (the query failed), 500 (the worker died), 503 (over the time limit, or busy)
    kind: str  # solutions, boolean or graph; "" on an error
    body: bytes
    retry_after: int = 0  # seconds, when the server is too busy to queue the request


def _limit_memory(extra_mb: int) -> None:
    """Let this process grow by ``extra_mb`` more megabytes of address space, and no more: a
    query that needs more fails (or the worker dies and is replaced), the machine does not swap."""
    import resource

    if extra_mb <= 0:
        return
    try:
        with open("/proc/self/statm") as f:
            current = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: count from nothing
        current = 0
    limit = current + extra_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _serve_queries(conn: Connection, source: bytes | str, memory_mb: int = 0, in_memory: bool = False) -> None:
    """A worker's life: load the store once, then answer requests until the pipe closes.
    ``source``: the path of an on-disk store (opened read-only; copied into memory when
    ``in_memory``), or N-Quads to load."""
    import pyoxigraph as ox

    from kg import query as q
    from kg import sandbox
    from kg.errors import KGError

    if isinstance(source, str):  # the build's on-disk store
        store = ox.Store.read_only(source)
        if in_memory:  # small: copied into memory, where queries run ~1.5× faster than on RocksDB
            store = q.in_memory(store)
    else:
        store = ox.Store()
        store.bulk_load(input=source, format=ox.RdfFormat.N_QUADS)
    del source
    _limit_memory(memory_mb)
    denied = sandbox.deny_network()
    conn.send((READY, denied, sandbox.REASON))
    while True:
        try:
            req: Request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            dataset = q.Dataset(req.default_graphs, req.named_graphs)
            result = q.evaluate(store, req.query, dataset)
            reply = Reply(200, result.kind, q.format_result(result, req.fmt))
        except KGError as e:
            reply = Reply(400, "", str(e).encode())
        except MemoryError:
            reply = Reply(503, "", f"the query needed more than the worker's {memory_mb} MB".encode())
        except Exception as e:  # anything else is still this query's failure, not the worker's
            reply = Reply(400, "", f"query failed: {type(e).__name__}: {e}".encode())
        conn.send(reply)


class _Worker:
    def __init__(self, ctx, source: bytes | str, memory_mb: int, in_memory: bool = False) -> None:
        self.network_denied, self.sandbox_note = False, "not started"
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve_queries, args=(child, source, memory_mb, in_memory), daemon=True)
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            raise RuntimeError("a query worker did not start")
        message = self.conn.recv()
        if message[0] != READY:
            raise RuntimeError("a query worker did not start")
        self.network_denied, self.sandbox_note = message[1], message[2]

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class Pool:
    """``size`` workers over the same data; ``run`` awaits a free one and its reply."""

    def __init__(
        self,
        source: bytes | str,
        size: int,
        timeout: float,
        memory_mb: int = 0,
        max_waiting: int | None = None,
        start_timeout: float = 120.0,
        in_memory: bool = False,
    ) -> None:
        """``source``: an on-disk store's path or N-Quads (see _serve_queries); ``in_memory``:
        each worker copies the on-disk store into its memory."""
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.source = source
        self.size = size
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.max_waiting = 32 * size if max_waiting is None else max_waiting
        self.waiting = 0
        self.start_timeout = start_timeout
        self.in_memory = in_memory
        self.ctx = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        self.idle: asyncio.LifoQueue[_Worker] | None = None
        self.replaced = 0
        self._replacing: set[asyncio.Task] = set()

    def start(self) -> None:
        """Start every worker and wait until each holds the store (blocking: before serving)."""
        self.workers = [_Worker(self.ctx, self.source, self.memory_mb, self.in_memory) for _ in range(self.size)]
        for w in self.workers:
            w.wait_ready(self.start_timeout)

    def network_denied(self) -> tuple[bool, str]:
        """Whether every worker runs with the network denied, and why not if not."""
        notes = [w.sandbox_note for w in self.workers if not w.network_denied]
        return not notes, (notes[0] if notes else "")

    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers]

    async def run(self, request: Request) -> Reply:
        """The reply to one request: 503 when no worker is free, or the query runs past the limit."""
        if self.idle is None:
            self.idle = asyncio.LifoQueue()  # the last worker used first: its caches are warm
            for w in self.workers:
                self.idle.put_nowait(w)
        deadline = time.monotonic() + self.timeout
        if self.idle.empty() and self.waiting >= self.max_waiting:
            message = f"every query worker is busy and {self.waiting} requests are waiting; try again"
            return Reply(503, "", message.encode(), retry_after=max(1, round(self.timeout)))
        if self.idle.empty():  # wait for a worker, within the request's time
            self.waiting += 1
            try:
                worker = await asyncio.wait_for(self.idle.get(), self.timeout)
            except TimeoutError:
                message = f"every query worker stayed busy for {self.timeout:g} s; try again"
                return Reply(503, "", message.encode(), retry_after=max(1, round(self.timeout)))
            finally:
                self.waiting -= 1
        else:  # the common case: no task, no timer
            worker = self.idle.get_nowait()
        loop = asyncio.get_running_loop()
        answered: asyncio.Future = loop.create_future()
        fd = worker.conn.fileno()

        def settle(outcome: str) -> None:
            if not answered.done():
                answered.set_result(outcome)

        loop.add_reader(fd, settle, "readable")
        timer = loop.call_at(loop.time() + max(0.0, deadline - time.monotonic()), settle, "late")
        try:
            worker.conn.send(request)
            outcome = await answered
            if outcome == "late":
                raise TimeoutError
            # The event loop's reader made the pipe non-blocking; a reply larger than the pipe
            # holds arrives in parts while the worker writes it: read it whole, blocking
            # (the worker is writing it now, so this takes as long as copying it).
            loop.remove_reader(fd)
            os.set_blocking(fd, True)
            reply = worker.conn.recv()
        except TimeoutError:
            loop.remove_reader(fd)
            self._replace_later(worker)
            message = f"the query ran past the {self.timeout:g} s timeout and was stopped; its worker is being replaced"
            return Reply(503, "", message.encode())
        except (EOFError, OSError):
            loop.remove_reader(fd)
            self._replace_later(worker)
            return Reply(500, "", b"the query crashed its worker; the worker is being replaced")
        finally:
            timer.cancel()
        self.idle.put_nowait(worker)
        return reply

    def _replace_later(self, worker: _Worker) -> None:
        """Kill the worker now (its CPU is freed at once) and start its successor in the background."""
        worker.kill()
        task = asyncio.get_running_loop().create_task(self._replace(worker))
        self._replacing.add(task)
        task.add_done_callback(self._replacing.discard)

    async def _replace(self, worker: _Worker) -> None:
        fresh = await asyncio.to_thread(self._fresh)
        self.workers[self.workers.index(worker)] = fresh
        self.replaced += 1
        assert self.idle is not None
        self.idle.put_nowait(fresh)

    def _fresh(self) -> _Worker:
        w = _Worker(self.ctx, self.source, self.memory_mb, self.in_memory)
        w.wait_ready(self.start_timeout)
        return w

    def close(self) -> None:
        for w in self.workers:
            w.kill()
        self.workers = []


def default_size() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
