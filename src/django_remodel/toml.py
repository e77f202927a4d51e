"""Writing the TOML files people edit (the model registry, plans); reading is ``tomllib``."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from typing import Any

from django_remodel.errors import RemodelError

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key(name: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise."""
    return name if _BARE_KEY.fullmatch(name) else json.dumps(name, ensure_ascii=False)


def value(item: Any) -> str:
    """A TOML value for a string, number, boolean, date, list or inline table."""
    if isinstance(item, datetime.date | datetime.time):
        return item.isoformat()
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int | float):
        return repr(item)
    if isinstance(item, str):
        return json.dumps(item, ensure_ascii=False)
    if isinstance(item, list | tuple):
        return "[" + ", ".join(value(element) for element in item) + "]"
    if isinstance(item, Mapping):
        pairs = ", ".join(f"{key(str(k))} = {value(v)}" for k, v in item.items())
        return "{ " + pairs + " }"
    raise RemodelError(f"Cannot write {item!r} into a TOML file; write it as a string.")


def table(name: str, items: Mapping[str, Any]) -> list[str]:
    """The lines of one ``[name]`` table; ``None`` values are left out."""
    lines = [f"[{name}]"]
    lines += [f"{key(k)} = {value(v)}" for k, v in items.items() if v is not None]
    return lines
