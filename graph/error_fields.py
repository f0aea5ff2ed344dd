"""`extensions.field` (and `index` in lists) for errors graphql-core raises before resolvers run.

Validation and variable errors point at nodes of the document; the argument or input field they
concern is the nearest named node around them, or is named in the message when the field is
missing or unknown. Resolver errors name their field themselves (`UserInputError`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from graphql.language import (
    ArgumentNode,
    DocumentNode,
    ListValueNode,
    Node,
    ObjectFieldNode,
    VariableDefinitionNode,
    VariableNode,
)

_NAMED_IN_MESSAGE = [
    re.compile(r"required field '(\w+)'"),
    re.compile(r"unknown field '(\w+)'"),
    re.compile(r"^Argument '[^']*\((\w+):\)'"),
]
_VARIABLE_PATH = re.compile(r"^Variable '\$\w+' has invalid value at ([^:]+):")
_PATH_PART = re.compile(r"\.(\w+)|\[(\d+)\]")


def add_input_field(error: GraphQLError, document: DocumentNode | None) -> None:
    """Name the argument or input field a pre-execution error is about, when there is one."""
    if error.path is not None or "field" in (error.extensions or {}) or not error.nodes:
        return
    located = _locate(error, document)
    if located is None:
        return
    field, index = located
    extensions: dict[str, Any] = {**(error.extensions or {}), "field": field}
    if index is not None:
        extensions["index"] = index
    error.extensions = extensions


def _locate(error: GraphQLError, document: DocumentNode | None) -> tuple[str, int | None] | None:
    node = error.nodes[0] if error.nodes else None
    if node is None:
        return None
    named = next((m[1] for p in _NAMED_IN_MESSAGE if (m := p.search(error.message))), None)
    if isinstance(node, VariableDefinitionNode):
        return _in_variable(error.message, node, document, named)
    chain = _chain_to(document, node) if document is not None else None
    if chain is None:
        return (named, None) if named else None
    field = named or _nearest_name(chain)
    return (field, _list_index(chain)) if field else None


def _in_variable(
    message: str, node: VariableDefinitionNode, document: DocumentNode | None, named: str | None
) -> tuple[str, int | None] | None:
    """`Variable '$f' has invalid value at .inputs[1].level: ...`: the path says where."""
    names: list[str] = []
    indexes: list[int] = []
    if match := _VARIABLE_PATH.match(message):
        for name, index in _PATH_PART.findall(match[1]):
            if name:
                names.append(name)
            else:
                indexes.append(int(index))
    field = named or (names[-1] if names else None)
    if field is None and document is not None:
        # The whole variable is wrong: name the argument or field it is passed to.
        field = _where_used(document, node.variable.name.value)
    return (field, indexes[-1] if indexes else None) if field else None


def _where_used(document: DocumentNode, variable: str) -> str | None:
    for chain in _chains(document, []):
        target = chain[-1]
        if isinstance(target, VariableNode) and target.name.value == variable:
            name = _nearest_name(chain)
            if name is not None:
                return name
    return None


def _nearest_name(chain: list[Node]) -> str | None:
    for node in reversed(chain):
        if isinstance(node, ArgumentNode | ObjectFieldNode):
            return node.name.value
    return None


def _list_index(chain: list[Node]) -> int | None:
    """The position in the innermost list on the way to the node (a bulk item, say)."""
    for parent, child in zip(reversed(chain[:-1]), reversed(chain[1:]), strict=True):
        if isinstance(parent, ListValueNode):
            return next(i for i, item in enumerate(parent.values) if item is child)
    return None


def _chain_to(document: DocumentNode, target: Node) -> list[Node] | None:
    """The nodes from the document down to `target` (matched by kind and place)."""
    for chain in _chains(document, []):
        node = chain[-1]
        if node is target or (
            node.kind == target.kind
            and node.loc is not None
            and target.loc is not None
            and (node.loc.start, node.loc.end) == (target.loc.start, target.loc.end)
        ):
            return chain
    return None


def _chains(node: Node, above: list[Node]) -> Iterator[list[Node]]:
    chain = [*above, node]
    yield chain
    for key in node.keys:
        value = getattr(node, key, None)
        children = value if isinstance(value, tuple | list) else (value,)
        for child in children:
            if isinstance(child, Node):
                yield from _chains(child, chain)
