"""Progress of a long run (reading a corpus, pushing its graphs): a bar with counts and an
ETA on a terminal, nothing otherwise (the command prints one summary line when it ends).

tqdm draws the bar on stderr; it is imported only when a bar is shown, so a command run
in a pipe or a test pays nothing for it.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

Tick = Callable[[], None]


class Progress:
    """``with Progress(total, "reading", "report") as tick: … tick()`` once per item done."""

    def __init__(self, total: int, desc: str, unit: str, enabled: bool = True) -> None:
        self.bar = None
        if enabled and total > 1 and sys.stderr.isatty():
            from tqdm import tqdm

            # A terminal that reports no size (a fresh pty) gets 80×24, not a hidden bar.
            size = shutil.get_terminal_size((80, 24))
            self.bar = tqdm(
                total=total, desc=desc, unit=f" {unit}", file=sys.stderr, leave=False,
                ncols=size.columns or 80, nrows=size.lines or 24,
            )  # fmt: skip

    def __enter__(self) -> Tick:
        return self.tick

    def tick(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
