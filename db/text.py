"""`messageMatches` patterns: the dialect both backends read alike, and SQLite's REGEXP.

PostgreSQL runs the pattern with `~*` (its ARE dialect); SQLite has no regular expressions, so
every connection gets a REGEXP function backed by Python's `re`. A pattern must compile in Python
and avoid what the two read differently or what backtracking makes slow; the rest of the
common syntax (classes, `\\d \\s \\w`, anchors, groups, alternation, `{m,n}`, lookaround)
means the same on both.
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

MAX_PATTERN_LENGTH = 256
# Case-insensitive, and `.` matches newlines as it does in PostgreSQL's ARE by default.
FLAGS = re.IGNORECASE | re.DOTALL
_parser: Any = importlib.import_module("re._parser")  # the stdlib's own parser; no stubs
_PLAIN_FLAGS = _parser.parse("a", FLAGS).state.flags
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_MAX_COUNT = 255  # PostgreSQL's largest {m,n}
# Python syntax PostgreSQL lacks, and `\\b`/`\\B`: word boundaries in Python, a backspace and a
# backslash in PostgreSQL.
_REFUSED = {
    "POSSESSIVE_REPEAT": "possessive quantifiers are not supported",
    "ATOMIC_GROUP": "atomic groups are not supported",
    "GROUPREF_EXISTS": "conditional groups are not supported",
    "AT_BOUNDARY": "\\b differs between the backends; use \\s, \\W or ^/$ instead",
    "AT_NON_BOUNDARY": "\\B differs between the backends",
}


def pattern_problem(pattern: str) -> str | None:
    """Why the pattern is refused, or None when both backends can run it alike."""
    if not pattern:
        return "must not be empty"
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"must be at most {MAX_PATTERN_LENGTH} characters"
    if _has_posix_bracket(pattern):
        return "POSIX classes like [:alpha:] are not supported; use \\w, \\d or ranges"
    try:
        with warnings.catch_warnings():
            # Python warns of sets it will read differently one day (`[[`, `&&`, `--`).
            warnings.simplefilter("error", FutureWarning)
            tree = _parser.parse(pattern, FLAGS)
    except FutureWarning:
        return "nested sets and set operations are not supported; escape [ & - ~ | inside []"
    except re.error as exc:
        return f"is not a valid regular expression: {exc.msg}"
    except RecursionError:
        return "nests too deeply"
    if tree.state.groupdict:
        return "named groups are not supported"
    if tree.state.flags != _PLAIN_FLAGS:
        return "inline flags are not supported (matching is always case-insensitive)"
    return next(filter(None, map(_node_problem, _nodes(tree.data, repeats=0))), None)


def _has_posix_bracket(pattern: str) -> bool:
    """`[:`, `[=` or `[.` inside a set: PostgreSQL's POSIX classes, plain text to Python."""
    in_set = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 1
        elif not in_set and char == "[":
            in_set = True
            index += pattern.startswith("^", index + 1)
            index += pattern.startswith("]", index + 1)  # a leading ] is literal
        elif in_set and char == "]":
            in_set = False
        elif in_set and char == "[" and pattern[index + 1 : index + 2] in (":", "=", "."):
            return True
        index += 1
    return False


def _node_problem(node: tuple[str, Any, int]) -> str | None:
    name, argument, repeats = node
    if name in _REPEATS and _MAX_COUNT < max(argument[0], argument[1]) < _parser.MAXREPEAT:
        return f"repetition counts must be at most {_MAX_COUNT}"
    if name in _REPEATS and argument[1] > 1 and repeats:
        return "must not repeat a repeated group, like (a+)+ (it can take exponential time)"
    if name == "SUBPATTERN" and (argument[1] or argument[2]):
        return "inline flags are not supported (matching is always case-insensitive)"
    if name == "AT":
        return _REFUSED.get(str(argument))
    return _REFUSED.get(name)


def _nodes(items: Any, *, repeats: int) -> Iterator[tuple[str, Any, int]]:
    """Every node of a parsed pattern, with how many repeating quantifiers enclose it."""
    for op, argument in items:
        name = str(op)
        yield name, argument, repeats
        for child, repeating in _children(name, argument):
            yield from _nodes(child, repeats=repeats + repeating)


def _children(name: str, argument: Any) -> list[tuple[Any, int]]:
    if name in _REPEATS:
        return [(argument[2], int(argument[1] > 1))]
    if name == "SUBPATTERN":
        return [(argument[3], 0)]
    if name == "BRANCH":
        return [(branch, 0) for branch in argument[1]]
    if name in {"ASSERT", "ASSERT_NOT"}:
        return [(argument[1], 0)]
    if name == "ATOMIC_GROUP":
        return [(argument, 0)]
    return []


@lru_cache(maxsize=256)
def compiled_pattern(pattern: str) -> re.Pattern[str]:
    """The checked pattern, compiled once for SQLite's REGEXP and in-memory matching."""
    return re.compile(pattern, FLAGS)


def sqlite_regexp(pattern: str, value: str | None) -> bool:
    """SQLite's `value REGEXP pattern`; patterns are checked before they reach SQL."""
    if value is None or len(pattern) > MAX_PATTERN_LENGTH:
        return False
    return compiled_pattern(pattern).search(value) is not None
