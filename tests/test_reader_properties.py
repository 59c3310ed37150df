"""Property tests: mutated and truncated plan reports never make the reader raise anything
but the project's own one-line error. The development corpus is used when ../shared is there,
and the reader is measured against its expect.json (field accuracy must stay at 0.9 or more)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import framework, lexicon, resources
from kg.corpus import read_content
from kg.errors import KGError
from kg.normalise import without_controls

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "corpus-dev"
LEX = lexicon.load(resources.lexicon_file())
FRAMEWORKS = framework.load(resources.ontology_file())
SCORER = lexicon.anchor_scorer(LEX)


def _seeds() -> list[str]:
    seeds = [p.read_text(encoding="utf-8") for p in sorted(resources.data_dir("corpus").glob("*.txt"))]
    if DEV.is_dir():
        seeds += [p.read_text(encoding="utf-8") for p in sorted(DEV.glob("*.txt"))]
    return seeds


SEEDS = _seeds()
# Pieces of the genre to splice in: markers, titles, years, numbers, breaks, control characters.
PIECES = ["一是", "（一）", "一、", "第一，", "《规划》", "《", "》", "到2025年", "印发", "指出，", "；", "。",
          "\n", "\r", "First, ", "by 2030", "达到10%以上", "比2020年下降", "“", "”", "\x1c", "\u3000",
          "國務院", "＋"]  # fmt: skip


def read(content: str):
    return read_content(content, "mutant.txt", LEX, FRAMEWORKS, SCORER)


@st.composite
def mutants(draw) -> str:
    content = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(content)))
        action = draw(st.sampled_from(["cut", "insert", "delete", "truncate"]))
        if action == "insert":
            content = content[:at] + draw(st.sampled_from(PIECES)) + content[at:]
        elif action == "delete":
            content = content[:at] + content[at + draw(st.integers(1, 40)) :]
        elif action == "truncate":
            content = content[:at]
        else:
            content = content[at:]
    return content


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutants())
def test_mutated_reports_raise_only_the_projects_error(content):
    try:
        facts = read(content)
    except KGError as e:
        assert "\n" not in str(e) and str(e)
        return
    # Provenance points at the published text, control characters spaced out one for one.
    published = without_controls(content)
    assert len(published) == len(content)
    for seg in facts.segments.values():
        assert published[seg.start : seg.end] == seg.text


@pytest.mark.skipif(not (DEV / "expect.json").exists(), reason="../shared/corpus-dev is not here")
def test_dev_corpus_field_accuracy():
    spec = importlib.util.spec_from_file_location("eval_corpus", ROOT / "bench" / "eval_corpus.py")
    ev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ev)
    import json

    scored = correct = 0
    for exp in json.loads((DEV / "expect.json").read_text(encoding="utf-8")):
        facts = read(ev.strip_header((DEV / exp["file"]).read_text(encoding="utf-8")))
        for value in ev.compare(facts, exp, LEX).values():
            if value is not None:
                scored += 1
                correct += bool(value)
    assert correct / scored >= 0.9, f"field accuracy {correct}/{scored}"
