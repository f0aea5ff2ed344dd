"""What a field's selection asks for, where a resolver can spare work nobody asked for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.types.info import Info

from internals.strawberry import SelectedField, Selection


def may_select(info: Info[Any, Any], *path: str) -> bool:
    """Whether the resolving field's selection may hold the field at `path` (schema names, not
    aliases). Fragments are looked into and directives are not evaluated, so a field under
    @skip counts as selected: a wrong yes costs only the work it would have spared."""
    return any(_holds(field.selections, path) for field in info.selected_fields)


def _holds(selections: Sequence[Selection], path: Sequence[str]) -> bool:
    name, rest = path[0], path[1:]
    for selection in selections:
        if not isinstance(selection, SelectedField):  # a fragment: its fields are ours
            if _holds(selection.selections, path):
                return True
        elif selection.name == name and (not rest or _holds(selection.selections, rest)):
            return True
    return False
