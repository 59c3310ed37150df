"""Shared fixtures: the bundled inputs, their extracted facts, and one CLI build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg import framework, lexicon, resources

# bench/corpus_gen.py makes the generated corpora the corpus tests read.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

KG = (
    [str(Path(sys.executable).with_name("kg"))]
    if Path(sys.executable).with_name("kg").exists()
    else [sys.executable, "-m", "kg"]
)
SECOND_PLAN = "sci-tech-innovation-13th-fyp.zh.txt"


# These seal their own process off the network (seccomp) or serve until stopped: they run in
# a process of their own, as a user runs them.
OWN_PROCESS = {"query", "serve", "push"}


def run_kg(
    *args: str, cwd: str | Path | None = None, env: dict | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run the CLI as a user would: `kg.cli.main` in this process under click's CliRunner
    isolation (argv, stdin, stdout, stderr, environment; the working tree's code, no
    interpreter start), or in a subprocess for the commands in OWN_PROCESS."""
    if args and args[0] in OWN_PROCESS:
        return run_kg_process(*args, cwd=cwd, env=env, input=input)
    import contextlib

    from click.testing import CliRunner

    from kg.cli import main

    runner = CliRunner()
    argv = sys.argv
    with contextlib.chdir(cwd or os.getcwd()), runner.isolation(input=input, env=env) as streams:
        sys.argv = ["kg", *args]
        try:
            main()
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            sys.argv = argv
        stdout, stderr = streams[0].getvalue().decode(), streams[1].getvalue().decode()
    return subprocess.CompletedProcess(["kg", *args], code, stdout, stderr)


def run_kg_process(
    *args: str, cwd: str | Path | None = None, env: dict | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*KG, *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=300, input=input)


@pytest.fixture(scope="session", autouse=True)
def kg_cache(tmp_path_factory) -> Path:
    """kg's cache (HermiT's class-data archive) in the session's temporary folder, not the
    user's ~/.cache: the tests start from an empty one, as a new install does."""
    folder = tmp_path_factory.mktemp("kg-cache")
    before = os.environ.get("KG_CACHE_DIR")
    os.environ["KG_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("KG_CACHE_DIR", None)
    else:
        os.environ["KG_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def plan_path() -> Path:
    return resources.default_corpus()


@pytest.fixture(scope="session")
def second_plan_path() -> Path:
    return resources.data_dir("corpus") / SECOND_PLAN


@pytest.fixture(scope="session")
def lex() -> lexicon.Lexicon:
    return lexicon.load(resources.lexicon_file())


@pytest.fixture(scope="session")
def frameworks() -> list[framework.FrameworkDef]:
    return framework.load(resources.ontology_file())


@pytest.fixture(scope="session")
def facts(plan_path):
    from kg.build import read_documents

    return read_documents([plan_path])[0]


@pytest.fixture(scope="session")
def second_facts(second_plan_path):
    from kg.build import read_documents

    return read_documents([second_plan_path])[0]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """One `kg build` of the bundled plan, as a user runs it."""
    out = tmp_path_factory.mktemp("build")
    result = run_kg("build", "--out", str(out))
    assert result.returncode == 0, result.stderr
    (out / "stdout.txt").write_text(result.stdout)
    return out


@pytest.fixture(scope="session")
def full_graph(built):
    from rdflib import Graph

    return Graph().parse(built / "full.ttl", format="turtle")


@pytest.fixture
def two_reports(tmp_path, plan_path, second_plan_path) -> Path:
    """A folder holding the two bundled reports, for a build to read (and a test to change)."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for p in (plan_path, second_plan_path):
        shutil.copy(p, folder / p.name)
    return folder


@pytest.fixture
def english_only(tmp_path, plan_path) -> Path:
    lines = [ln for ln in plan_path.read_text(encoding="utf-8").splitlines() if ln.isascii()]
    path = tmp_path / "plan.en.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def chinese_only(tmp_path, plan_path) -> Path:
    lines = [ln for ln in plan_path.read_text(encoding="utf-8").splitlines() if not ln.isascii()]
    path = tmp_path / "plan.zh.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def has_java() -> bool:
    return shutil.which("java") is not None


def wait_for(url: str, proc, what: str) -> None:
    """Poll ``url`` until the server ``proc`` answers; fail with its stderr if it never does."""
    import time
    import urllib.request

    for _ in range(200):
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    proc.kill()
    pytest.fail(f"{what} did not start: {proc.stderr.read() if proc.stderr else ''}")


def start_kg_serve(data, *options: str, stderr=subprocess.DEVNULL, cwd=None):
    """`kg serve --data DATA` on a free loopback port, up and answering: (base URL, port, process)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [*KG, "serve", "--data", str(data), "--port", str(port), *options], stderr=stderr, text=True, cwd=cwd
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/sparql", proc, "kg serve")
    return base, port, proc


def as_data(ds):
    """An rdflib Dataset a test has edited, as the kg.rdf.Data the outputs read (through
    N-Quads, so the conversion is rdflib's writer and pyoxigraph's reader, not ours)."""
    import pyoxigraph as ox

    from kg.rdf import Data

    return Data(ox.parse(ds.serialize(format="nquads").encode(), format=ox.RdfFormat.N_QUADS))


def as_graph(g):
    """An rdflib Graph as a kg.rdf.Graph, through N-Triples."""
    import pyoxigraph as ox

    from kg.rdf import Graph

    return Graph(q.triple for q in ox.parse(g.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES))


def read_plan(folder: Path, text: str, name: str = "plan.txt"):
    """The facts of a plan report written for a test (a text of our own, not the bundled plan)."""
    from kg.build import read_documents

    path = Path(folder) / name
    path.write_text(text, encoding="utf-8")
    return read_documents([path])[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """What a build folder holds: each file's bytes, and for the on-disk store (whose
    database files differ from build to build) the quads it answers with, sorted."""
    if not folder.exists():
        return {}
    out = {}
    for p in folder.iterdir():
        if p.is_dir():
            import pyoxigraph as ox

            store = ox.Store.read_only(str(p))
            out[p.name + "/"] = "\n".join(sorted(map(str, store.quads_for_pattern(None, None, None, None)))).encode()
            del store
        elif p.name == "timings.json":  # how long this run took: which run, not which build
            import json

            out[p.name] = json.dumps([r["path"] for r in json.loads(p.read_bytes())["reports"]]).encode()
        else:
            out[p.name] = p.read_bytes()
    return out
