"""Every private or internal name of the frameworks that lograph relies on, imported here and
nowhere else: one module per framework. Each module's `SHAPES` lists what the code relies on
of those names (attributes, parameters, tuple fields); tests/test_internals.py checks that each
still holds and that the installed versions are the ones requirements.txt pins. Upgrading a
framework: docs/fast-path.md, "Upgrading a framework".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Shape:
    """Something relied on: `owner.name` exists, and for a callable, takes `parameters` in
    this order (after `self`); for a tuple type, `fields` are its fields in order; for an
    attribute set on instances, `set_in` is the method whose source assigns it."""

    owner: Any
    name: str
    parameters: tuple[str, ...] | None = None
    fields: tuple[str, ...] | None = None
    set_in: Callable[..., Any] | None = None
