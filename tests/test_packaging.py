"""A few smoke tests of the installed wheel, not the working tree: the package must carry its
ontology, queries, lexicon and bundled corpus, and run from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from the working tree (hatchling, no network), installed into a folder
    of its own; its dependencies come from the test environment."""
    pytest.importorskip("hatchling")
    wheels = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    (wheel,) = wheels.glob("digital_china_kg-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("kg/cli.py", "kg/data/ontology/digital-china.ttl", "kg/data/ontology/shapes.ttl",
                     "kg/data/ontology/lexicon.tsv", "kg/data/ontology/genre.toml", "kg/data/queries/plan.rq",
                     "kg/data/corpus/digital-china-overall-layout-plan.zh-en.txt"):  # fmt: skip
        assert required in names, required
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return target


def kg(installed: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    return subprocess.run(
        [sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def test_the_wheel_is_what_runs(installed, tmp_path):
    r = subprocess.run([sys.executable, "-c", "import kg; print(kg.__file__)"], capture_output=True, text=True,
                       cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(installed)})  # fmt: skip
    assert r.stdout.strip().startswith(str(installed)), r.stdout


def test_the_wheel_builds_and_queries_the_bundled_plan(installed, tmp_path):
    r = kg(installed, "build", "-q", "--out", "build", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "build" / "full.trig").exists() and (tmp_path / "build" / "void.ttl").exists()
    r = kg(installed, "query", "pillars", "--format", "csv", cwd=tmp_path)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 12, r.stdout + r.stderr  # 11 pillars


def test_the_wheel_has_its_named_queries_and_checks(installed, tmp_path):
    r = kg(installed, "queries", cwd=tmp_path)
    assert r.returncode == 0 and "strategic-path" in r.stdout
    r = kg(installed, "check", "-q", "--no-reasoner", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
