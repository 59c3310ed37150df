"""Measure the reader on the development corpus: build every report, compare with expect.json.

The corpus (../shared/corpus-dev/) is test material that belongs to its publishers: it is
read from there at run time, never copied into the project. Each file opens with three
"# " lines about where it came from; they are stripped before reading, as its README asks.

Fields compared per document: title (zh or en, by the document's language), issuers, date,
target years (goals whose year the text writes), task count (only where expect.json gives
one: the text enumerates its tasks) and numeric targets (every expected target found as
indicators, and no indicator outside them). Prints a row per document, the field accuracy,
how many documents are fully right, and the time per document.

With --wrapped, each report is first hard-wrapped as text copied out of a PDF is
(bench/pdf_wrap.py: 36 Chinese characters or 72 columns a line), to measure kg.reflow.

Usage: python bench/eval_corpus.py [--corpus DIR] [--no-build] [--wrapped] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pdf_wrap

from kg import lexicon, resources
from kg.build import read_documents
from kg.errors import KGError
from kg.facts import DocumentFacts
from kg.normalise import normalise

FIELDS = ("title", "issuers", "date", "years", "task_count", "numeric_targets")
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus-dev"


def strip_header(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("# "):
        lines.pop(0)
    if lines and not lines[0].strip():
        lines.pop(0)
    return "".join(lines)


def norm_title(title: str | None) -> str:
    if not title:
        return ""
    t = normalise(title).lower()
    t = re.sub(r"[\"“”《》'’]", "", t)
    t = re.sub(r"^(?:the|a|an)\s+", "", t)
    t = re.sub(r"\s*[–—-]\s*", "-", t)
    return " ".join(t.split())


def canonical(name: str, lex: lexicon.Lexicon) -> str:
    """One name for one body: the lexicon's key when it knows the name, else the name folded."""
    name = normalise(name).strip()
    bare = re.sub(r"\s*\([^)]*\)\s*$", "", re.sub(r"^the\s+", "", name, flags=re.IGNORECASE))
    for form in (name, bare):
        if form in lex.forms:
            return lex.forms[form].key
        if form.lower() in lex.en_forms:
            return lex.en_forms[form.lower()].key
    return bare.lower()


def numbers(text: str) -> list[float]:
    """The numbers of a target as written, less its years."""
    out = []
    for m in re.finditer(r"\d+(?:,\d{3})*(?:\.\d+)?", text):
        digits = m.group()
        if re.fullmatch(r"(?:19|20)\d\d", digits) and text[m.end() : m.end() + 1] in ("年", ""):
            continue
        if re.fullmatch(r"(?:19|20)\d\d", digits) and re.search(r"\b(?:by|in)\s*$", text[: m.start()]):
            continue
        out.append(float(digits.replace(",", "")))
    return out


def targets_right(facts: DocumentFacts, expected: list[str]) -> tuple[bool, int, int, int]:
    """(field right, expected targets found, indicators outside every expected target, indicators)."""
    text = normalise(facts.text)
    spans = []
    for target in expected:
        # Where the text writes it, whatever spacing or line breaks (a hard-wrapped text's)
        # stand between its characters.
        m = re.search(r"\s*".join(map(re.escape, "".join(normalise(target).split()))), text)
        spans.append(m.span() if m else (-1, -1))
    located = [(facts.segments[i.segment].start, facts.segments[i.segment].end, i.value) for i in facts.indicators]
    found = 0
    for target, (a, b) in zip(expected, spans):
        inside = [v for s, e, v in located if a <= s and e <= b]
        if a >= 0 and all(v in inside for v in numbers(target)) and inside:
            found += 1
    outside = sum(1 for s, e, _ in located if not any(a <= s and e <= b for a, b in spans))
    return found == len(expected) and outside == 0, found, outside, len(located)


def compare(facts: DocumentFacts, exp: dict, lex: lexicon.Lexicon) -> dict[str, bool | None]:
    plan = facts.plan
    want_title = exp["title_zh"] if exp["lang"] == "zh" else exp["title_en"]
    got_title = plan.title_zh if exp["lang"] == "zh" else plan.title_en
    got_issuers = []
    for key in plan.issuers:
        ent = facts.entities[key]
        got_issuers.append(canonical(ent.zh or ent.en, lex))
    want_issuers = [canonical(n, lex) for n in exp["issuers"] or []]
    years = sorted({u.year for u in facts.of_kind("Goal") if u.year_source == "stated"})
    right: dict[str, bool | None] = {
        "title": norm_title(got_title) == norm_title(want_title),
        "issuers": sorted(set(got_issuers)) == sorted(set(want_issuers)),
        "date": (plan.date or None) == exp["date"],
        "years": years == sorted(exp["years"]),
        "task_count": None if exp["task_count"] is None else len(facts.of_kind("Task")) == exp["task_count"],
        "numeric_targets": targets_right(facts, exp["numeric_targets"])[0],
    }
    return right


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--no-build", action="store_true", help="compare extracted facts only; write no graph")
    ap.add_argument("--json", type=Path, help="write the per-document results here")
    ap.add_argument("-v", "--verbose", action="store_true", help="print what was found beside what was expected")
    ap.add_argument("--wrapped", action="store_true", help="read each report hard-wrapped, as copied out of a PDF")
    args = ap.parse_args()
    expect_file = args.corpus / "expect.json"
    if not expect_file.exists():
        print(f"no development corpus at {args.corpus} (expect.json missing)", file=sys.stderr)
        return 2
    expected = json.loads(expect_file.read_text(encoding="utf-8"))
    lex = lexicon.load(resources.lexicon_file())
    rows, results, times, build_times = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="kg-eval-") as tmp:
        for exp in expected:
            src = args.corpus / exp["file"]
            path = Path(tmp) / exp["file"]
            text = strip_header(src.read_text(encoding="utf-8"))
            path.write_text(pdf_wrap.wrap(text, exp["lang"]) if args.wrapped else text, encoding="utf-8")
            start = time.perf_counter()
            try:
                facts = read_documents([path])[0]
            except KGError as e:
                results.append({"file": exp["file"], "error": str(e)})
                rows.append((exp["file"], {f: False for f in FIELDS}, "read failed: " + str(e)))
                continue
            times.append(time.perf_counter() - start)
            built = ""
            if not args.no_build:
                from kg import build

                start = time.perf_counter()
                try:
                    build.run([path], Path(tmp) / (path.stem + ".build"))
                    built = "graph written"
                except KGError as e:
                    built = f"NO GRAPH: {e}"
                build_times.append(time.perf_counter() - start)
            right = compare(facts, exp, lex)
            _, found, outside, total = targets_right(facts, exp["numeric_targets"])
            detail = f"targets {found}/{len(exp['numeric_targets'])}, {outside} extra of {total}"
            rows.append((exp["file"], right, f"{built}; {detail}" if built else detail))
            results.append({"file": exp["file"], "right": right, "graph": built, "targets_found": found,
                            "indicators_outside": outside})  # fmt: skip
            if args.verbose:
                p = facts.plan
                print(f"-- {exp['file']}")
                print(f"   title   {p.title_zh or p.title_en!r}  want {exp['title_zh'] or exp['title_en']!r}")
                print(f"   issuers {p.issuers}  want {exp['issuers']}")
                print(f"   date    {p.date!r}  want {exp['date']!r}")
                stated = sorted({u.year for u in facts.of_kind("Goal") if u.year_source == "stated"})
                print(f"   years   {stated}  want {exp['years']}")
                print(f"   tasks   {len(facts.of_kind('Task'))}  want {exp['task_count']}")
                for ind in facts.indicators:
                    print(f"   indicator {ind.text!r}: {ind.metric} {ind.comparator} {ind.value} {ind.unit}")
    width = max(len(r[0]) for r in rows)
    print(f"{'document':{width}}  " + "  ".join(f"{f[:7]:>7}" for f in FIELDS) + "  notes")
    scored = correct = full = 0
    per_field = {f: [0, 0] for f in FIELDS}
    for name, right, note in rows:
        cells = []
        for f in FIELDS:
            v = right.get(f)
            cells.append(f"{'-' if v is None else ('ok' if v else 'WRONG'):>7}")
            if v is not None:
                scored += 1
                correct += bool(v)
                per_field[f][0] += bool(v)
                per_field[f][1] += 1
        full += all(v is not False for v in right.values())
        print(f"{name:{width}}  " + "  ".join(cells) + f"  {note}")
    print()
    for f, (c, n) in per_field.items():
        print(f"{f:16} {c:3}/{n:<3} {c / n if n else 0:.2f}")
    print(f"\nfield accuracy   {correct}/{scored} = {correct / scored:.3f}")
    print(f"fully right      {full}/{len(rows)} documents")
    if times:
        print(f"read per document: median {statistics.median(times):.3f} s, max {max(times):.3f} s (facts only)")
    if build_times:
        print(f"kg build per document (with the gate): median {statistics.median(build_times):.2f} s")
        print(f"graphs written   {sum(r.get('graph') == 'graph written' for r in results)}/{len(expected)}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
