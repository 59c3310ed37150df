"""The README cannot drift: every `$ kg …` example in it is run, and the output it shows
must be what the command prints (timings aside), as cog or doctest would check it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
TIMING = re.compile(r"\(\d+\.\d\d s\)")


def examples(text: str) -> list[tuple[str, list[str]]]:
    """(command, the output lines shown under it) for each `$ kg` line in a fenced block.

    Blocks that start a server or call another program (`&`, curl, oxigraph) are shown,
    not run: the serve and push tests run those."""
    found = []
    for block in re.findall(r"^```\n(.*?)^```", text, flags=re.M | re.S):
        lines = block.rstrip("\n").split("\n")
        if not lines[0].startswith("$ ") or any(ln.startswith("$ ") and not ln.startswith("$ kg ") for ln in lines):
            continue
        if any(ln.startswith("$ ") and ln.rstrip().endswith("&") for ln in lines):
            continue
        for line in lines:
            if line.startswith("$ "):
                found.append((line[2:], []))
            else:
                found[-1][1].append(line)
    return found


EXAMPLES = examples(README)


def test_the_readme_has_examples_to_check():
    commands = [c.split()[1] for c, _ in EXAMPLES]
    assert {"build", "export", "queries", "query"} <= set(commands), commands
    assert sum(1 for _, out in EXAMPLES if out) >= 4  # with their output


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder where the README's relative paths hold: corpus/ beside a fresh ./build."""
    folder = tmp_path_factory.mktemp("readme")
    (folder / "corpus").symlink_to(ROOT / "corpus")
    return folder


def run(command: str, cwd: Path) -> tuple[int, str]:
    """One example line: `kg …` in a subprocess as a reader runs it (`kg query` seals its
    process off the network, so it cannot run inside the test's), optionally piped into
    `head -N`."""
    from conftest import run_kg

    command, _, pipe = command.partition(" | ")
    argv = shlex.split(command, comments=True)
    assert argv[0] == "kg"
    result = run_kg(*argv[1:], cwd=cwd)
    out = result.stdout
    if pipe:
        head = shlex.split(pipe)
        assert head[0] == "head" and head[1].startswith("-"), pipe
        out = "\n".join(out.split("\n")[: int(head[1][1:])]) + "\n"
    return result.returncode, out + result.stderr if result.returncode else out


def test_every_example_prints_what_the_readme_shows(workdir):
    """In order, as a reader types them: `kg build` first writes ./build, the rest read it."""
    for command, shown in EXAMPLES:
        code, out = run(command, workdir)
        assert code == 0, (command, out)
        if not shown:
            continue
        got = [TIMING.sub("(… s)", line.rstrip()) for line in out.rstrip("\n").split("\n")]
        want = [TIMING.sub("(… s)", line.rstrip()) for line in shown]
        assert got == want, f"README example `{command}` prints:\n" + "\n".join(got)


def update(path: Path = ROOT / "README.md") -> None:
    """Rewrite the output under each example with what the command prints now
    (`python tests/test_readme.py`), in a scratch folder, as the test runs them."""
    import tempfile

    text = path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "corpus").symlink_to(ROOT / "corpus")
        for command, shown in EXAMPLES:
            _, out = run(command, Path(tmp))
            if shown:
                old = "$ " + command + "\n" + "\n".join(shown) + "\n"
                assert old in text, command
                text = text.replace(old, "$ " + command + "\n" + out.rstrip("\n") + "\n", 1)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    update()


def test_each_synopsis_lists_every_option_of_its_command():
    """`### kg CMD …` names each option the command takes (its first long name), so the
    README cannot fall behind --help."""
    from kg.cli import cli

    synopses = dict(re.findall(r"^### `kg (\w+)([^`]*)`", README, flags=re.M))
    for name, command in cli.commands.items():
        if name == "queries":
            continue  # shown under `kg query`
        shown = synopses[name]
        for param in command.params:
            if param.param_type_name != "option" or param.name == "help":
                continue
            long = next(o for o in param.opts if o.startswith("--"))
            if param.name in ("quiet", "verbose"):
                assert "[-q|-v]" in shown, name
            else:
                assert long in shown, f"README synopsis of kg {name} lacks {long}"


def test_the_layout_names_every_module_of_the_package():
    """The README's Layout lists each module of kg/ (a new module cannot go unmentioned)."""
    layout = README.split("## Layout", 1)[1].split("\n```", 2)[1]
    named = set(re.findall(r"\b(\w+\.py)\b", layout))
    modules = {p.name for p in (ROOT / "kg").glob("*.py")} - {"__init__.py", "__main__.py"}
    assert modules - named == set()
