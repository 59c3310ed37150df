"""HTML pages from the templates in kg/templates, their placeholders filled in one pass.

One pass: a value is never searched for placeholders, so a plan whose text holds
``__OVERVIEW__`` (or any other placeholder's name) cannot change the page around it.
Data goes in ``<script type="application/json">`` blocks, escaped so that nothing in it
can close the element.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
_PLACEHOLDER = re.compile(r"__[A-Z]+__|/\*[A-Z_]+\*/")


def script_json(data) -> str:
    """JSON that cannot end the script element it sits in, whatever the plan's text holds."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def fill(template_name: str, values: dict[str, str]) -> str:
    """The template with each placeholder it names replaced by its value, once."""
    template = (TEMPLATES / template_name).read_text(encoding="utf-8")
    missing = set(_PLACEHOLDER.findall(template)) - set(values)
    if missing:
        raise ValueError(f"{template_name}: no value for {sorted(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group()], template)
