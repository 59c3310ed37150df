"""A generated corpus of distinct plan reports, made from the dev corpus texts.

Each report takes a real report of ../shared/corpus-dev as its frame and varies it:
- its title gets a region or field ("浙江省", "Guangdong"), so titles are distinct;
- its issuer is swapped for another body of the same language;
- every year moves by the same offset (2025 → 2027), so goals and targets move with it;
- the numbers in it are scaled;
- some body paragraphs are replaced by paragraphs of another report in the same language.

Deterministic from the seed; written to a folder the caller gives (a temporary one), never
into the project. Used by bench/bench_corpus.py and by the corpus tests (20–50 reports).

Usage: python bench/corpus_gen.py OUT [--count N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus-dev"
REGIONS_ZH = "浙江省 江苏省 广东省 四川省 山东省 湖北省 河南省 福建省 安徽省 陕西省 云南省 贵州省 甘肃省 辽宁省".split()
REGIONS_EN = ["Zhejiang", "Jiangsu", "Guangdong", "Sichuan", "Shandong", "Hubei", "Henan", "Fujian", "Anhui",
              "Shaanxi", "Yunnan", "Guizhou", "Gansu", "Liaoning", "Jilin", "Hunan", "Jiangxi", "Hebei"]  # fmt: skip
ISSUERS_ZH = ["国务院", "国务院办公厅", "国家发展改革委", "工业和信息化部", "科技部", "国家数据局", "商务部",
              "教育部", "农业农村部", "交通运输部", "中共中央、国务院", "中共中央办公厅、国务院办公厅"]  # fmt: skip
ISSUERS_EN = ["the State Council", "the General Office of the State Council", "the National Development and Reform "
              "Commission", "the Ministry of Industry and Information Technology", "the Ministry of Commerce",
              "the National Data Administration", "the Ministry of Education"]  # fmt: skip
ISSUER_RE_ZH = re.compile("|".join(map(re.escape, sorted(ISSUERS_ZH, key=len, reverse=True))))
ISSUER_RE_EN = re.compile(
    "|".join(map(re.escape, sorted([i.removeprefix("the ") for i in ISSUERS_EN], key=len, reverse=True)))
)
YEAR_RE = re.compile(r"(?<!\d)(20[1-4]\d)(?!\d)")
NUMBER_RE = re.compile(r"(?<![\d.])(\d{2,4})(?=\s*(?:%|万|亿|个|家|项|million|billion|percent))")


def dev_reports(folder: Path = DEV) -> list[tuple[str, str]]:
    """(name, text) of each dev corpus report, without its three header lines."""
    out = []
    for path in sorted(folder.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        while lines and (lines[0].startswith("# ") or not lines[0].strip()):
            lines.pop(0)
        out.append((path.stem, "\n".join(lines) + "\n"))
    return out


def _is_english(text: str) -> bool:
    return sum(ch.isascii() for ch in text[:2000]) > 0.8 * min(len(text), 2000)


def vary(text: str, donor: str, rng: random.Random) -> str:
    """One new report from ``text``: another region, issuer, years, numbers, and some
    paragraphs of ``donor`` in place of its own."""
    english = _is_english(text)
    offset = rng.choice([-3, -2, -1, 1, 2, 3, 4])
    text = YEAR_RE.sub(lambda m: str(int(m.group(1)) + offset), text)
    factor = rng.choice([0.5, 0.8, 1.2, 1.5, 2, 3])
    text = NUMBER_RE.sub(lambda m: str(max(1, round(int(m.group(1)) * factor))), text)
    if english:
        text = ISSUER_RE_EN.sub(rng.choice(ISSUERS_EN).removeprefix("the "), text, count=1)
        region = rng.choice(REGIONS_EN)
        text = re.sub(r"\b(Plan|Outline|Guideline|Action Plan)\b", rf"{region} \1", text, count=1)
    else:
        text = ISSUER_RE_ZH.sub(rng.choice(ISSUERS_ZH), text, count=1)
        region = rng.choice(REGIONS_ZH)
        text = re.sub(r"《", f"《{region}", text, count=1)
    paragraphs = text.split("\n")
    theirs = [p for p in donor.split("\n") if len(p) > 80]
    body = [k for k, p in enumerate(paragraphs) if len(p) > 80][3:]  # the lead (who issued what) stays
    for k in rng.sample(body, min(len(body) // 3, len(theirs))):
        paragraphs[k] = rng.choice(theirs)
    return "\n".join(paragraphs)


def generate(out: Path, count: int, seed: int = 20261130, source: Path = DEV) -> list[Path]:
    """Write ``count`` distinct reports into ``out``; their paths."""
    rng = random.Random(seed)
    reports = dev_reports(source)
    if not reports:
        raise SystemExit(f"no reports in {source}: the generator needs ../shared/corpus-dev")
    by_lang: dict[bool, list[str]] = {}
    for _, text in reports:
        by_lang.setdefault(_is_english(text), []).append(text)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(count):
        name, text = reports[k % len(reports)]
        donor = rng.choice(by_lang[_is_english(text)])
        path = out / f"{k:05d}-{name}.txt"
        path.write_text(vary(text, donor, rng), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    paths = generate(args.out, args.count, args.seed)
    print(f"{len(paths)} reports, {sum(p.stat().st_size for p in paths) / 1e6:.1f} MB → {args.out}")


if __name__ == "__main__":
    main()
