"""Replace a build folder whole: it always holds the whole old build or the whole new one.

The new build is written into a staging folder beside the old one (same parent, so the
same file system), then the two are exchanged in one step: Linux's renameat2 with
RENAME_EXCHANGE swaps two directory entries atomically. Elsewhere (or on a file system
without it) the old folder is renamed aside and the new one renamed into place: two
renames, between which the folder is briefly absent, never mixed. A kill at any moment
leaves at most a staging folder beside it, which the next build removes.

The old build, once swapped out, is garbage. A large one (DETACH_ABOVE bytes of files) is
removed by a detached process, as ``git gc --auto`` and ``bazel clean --async`` do: the
new build is whole and in place when kg build returns, and freeing a corpus's ~2 GB took
0.7-2.2 s on a disk that discards blocks as they are freed. The process renames the folder
``.<name>.kg-old-<its pid>`` first; one killed before it is done leaves a stray that the
next build removes, as it does a killed build's staging folder.

A folder is only replaced when it can be a build folder: besides the files a build writes
it may hold up to MAX_CARRIED plain files (a README), which are carried into the new
build; anything else (a subfolder: a project, a home directory) is refused, so ``--out .``
can never swap a project away. Each build leaves a ``.kg-build`` marker that says what the
folder is; the check does not rest on it.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from kg.errors import KGError

MARKER = ".kg-build"
_STAGING = ".{name}.kg-new-"
_OLD = ".{name}.kg-old-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
MAX_CARRIED = 20
DETACH_ABOVE = 256 * 2**20  # bytes of the old build's files; below, removing it takes ms
# The detached removal: renamed to the name remove_strays spares while its pid is alive.
_REMOVE = (
    "import os, shutil, sys\n"
    "old, prefix = sys.argv[1], sys.argv[2]\n"
    "gone = os.path.join(os.path.dirname(old), prefix + str(os.getpid()))\n"
    "try:\n    os.rename(old, gone)\nexcept OSError:\n    gone = old\n"
    "shutil.rmtree(gone, ignore_errors=True)\n"
)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directory entries atomically (Linux renameat2); False where that is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_strays(out: Path) -> None:
    """Staging and old folders that a killed build left beside ``out``."""
    parent = out.parent
    if not parent.is_dir():
        return
    for prefix in (_STAGING.format(name=out.name), _OLD.format(name=out.name)):
        for stray in parent.glob(prefix + "*"):
            pid = stray.name.removeprefix(prefix).split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
                continue  # another build is writing this one now
            shutil.rmtree(stray, ignore_errors=True)


def _carried(out: Path, written: set[str]) -> list[Path]:
    """The plain files of the old folder that the build does not write; refuse a folder
    that is not a build folder."""
    if not out.exists():
        return []
    if not out.is_dir():
        raise KGError(f"{out}: not a directory")
    foreign = [p for p in out.iterdir() if p.name not in written and p.name != MARKER]
    if any(not p.is_file() or p.is_symlink() for p in foreign) or len(foreign) > MAX_CARRIED:
        shown = ", ".join(sorted(p.name for p in foreign)[:4])
        raise KGError(f"{out}: not a build folder (it holds {shown}); give --out an empty or a build folder")
    return foreign


def check_folder(out: Path, names: set[str]) -> None:
    """Refuse, before any work, a folder ``out`` that is not a build folder (kg.build calls
    this first; replace checks again when it writes)."""
    out = Path(os.path.abspath(out))
    if out.is_dir():
        _carried(out, names)


Content = bytes | Callable[[Path], None]


def replace(
    out: Path,
    files: Mapping[str, Content] | Iterable[tuple[str, Content]],
    names: set[str] | None = None,
    background: bool = False,
) -> threading.Thread | None:
    """Write ``files`` (name → bytes, or (name, bytes) pairs produced one at a time, with
    ``names`` saying beforehand which) as the new content of the folder ``out``, in one step.
    In place of bytes, a function that writes the entry at the path it is given (the
    on-disk store, a folder of its own).

    ``background``: the old build, swapped out, is removed by a detached process when it is
    large (DETACH_ABOVE), else on a thread, returned started, which the caller joins (kg
    build lets go of its graph meanwhile); otherwise it is removed before this returns."""
    out = Path(os.path.abspath(out))
    if isinstance(files, Mapping):
        names, files = set(files), list(files.items())
    assert names is not None, "give the names of the files produced one at a time"
    remove_strays(out)
    carried = _carried(out, names)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=_STAGING.format(name=out.name) + f"{os.getpid()}-", dir=out.parent))
    except OSError as e:
        raise KGError(f"{out}: cannot write the build here: {e.strerror}") from None
    swapped = False
    try:
        for name, data in files:
            if name not in names:
                raise KGError(f"internal: {name} is not among the files a build writes")
            if callable(data):
                data(staging / name)
            else:
                (staging / name).write_bytes(data)
            del data  # one file's bytes at a time
        for path in carried:
            shutil.copy2(path, staging / path.name)
        (staging / MARKER).write_text("written by kg build; replaced whole by the next one\n", encoding="utf-8")
        for p in staging.iterdir():
            p.chmod(0o755 if p.is_dir() else 0o644)
        staging.chmod(0o755)
        _swap_in(staging, out)
        swapped = True
    except OSError as e:
        raise KGError(f"{out}: cannot write the build: {e.strerror}") from None
    finally:
        # A producer stopped by an error is closed first: what it runs (kg build's store,
        # loading on a thread) ends before its folder is removed.
        if hasattr(files, "close"):
            files.close()
        if not (background and swapped):
            shutil.rmtree(staging, ignore_errors=True)  # after the swap: the old build
    if not background or not staging.exists():
        return None  # removed above, or no old build (the new one was renamed into place)
    # The old build, swapped out: a kill before its removal is done leaves it as a stray,
    # which the next build removes (remove_strays).
    if _size(staging) >= DETACH_ABOVE and _detach(staging, _OLD.format(name=out.name)):
        return None
    removal = threading.Thread(target=shutil.rmtree, args=(staging,), kwargs={"ignore_errors": True})
    removal.start()
    return removal


def _size(folder: Path) -> int:
    """Bytes of the files at the top of ``folder`` (a build's flat files: nearly all of it)."""
    total = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
    except OSError:
        return 0  # gone, or unreadable: removed on the thread, whose errors are ignored
    return total


def _detach(folder: Path, prefix: str) -> bool:
    """Remove ``folder`` in a process of its own session, which outlives this one and the
    terminal's Ctrl-C; False if it could not be started (the caller removes it instead)."""
    # Through sh, which starts it in the background and exits at once: waited for here, so
    # no child of this process is left running (nor a zombie, in a long-lived caller).
    shell = shutil.which("sh")
    if shell is None or not sys.executable:
        return False
    line = '"$0" -I -S -c "$1" "$2" "$3" </dev/null >/dev/null 2>&1 &'
    try:
        started = subprocess.run(
            [shell, "-c", line, sys.executable, _REMOVE, str(folder), prefix],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd="/", start_new_session=True, close_fds=True, timeout=10,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return started.returncode == 0


def _swap_in(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    if _exchange(staging, out):
        return
    old = out.parent / (_OLD.format(name=out.name) + f"{os.getpid()}")
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
