"""What an operation costs: depth, aliases, fields, and what graphql-core compares pairwise
(fields of one name, fragment spreads) in one selection set; each fragment measured once.

A fragment spread twice costs twice, so `{ ...F0 } fragment F0 { ...F1 ...F1 } ...` has
2^n fields; but each fragment definition is measured once and its cost reused, so measuring
is linear in the size of the document, whatever the fragments are called.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VisitorAction,
)
from graphql.language import SKIP

from internals.graphql_core import ValidationAbortedError

# Fields on the longest path. The full introspection query has 15; other tools' versions nest
# `ofType` a few times more.
MAX_DEPTH = 20
MAX_ALIASES = 30
MAX_FIELDS = 2_000
# Fields of one response name in one selection set, fragments included. graphql-core compares
# such fields pairwise (a query of 250 `logs { id }` took a second to validate).
MAX_REPEATS = 10
# Fragment spreads in one selection set, through the fragments it spreads: also compared pairwise.
MAX_SPREADS = 50
SPREAD = "..."  # the key spreads are counted under among a selection set's response names


@dataclass(frozen=True)
class Cost:
    depth: int = 0  # fields on the longest path
    aliases: int = 0
    fields: int = 0  # with each spread of a fragment counted
    repeats: int = 0  # the most fields of one response name in one selection set
    spreads: int = 0  # the most fragment spreads in one selection set
    names: Mapping[str, int] = field(default_factory=dict, compare=False)  # at the top level


def operation_costs(document: DocumentNode) -> dict[OperationDefinitionNode, Cost]:
    """The cost of every operation in the document."""
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    costs = _fragment_costs(fragments)
    return {
        definition: _selection_cost(definition.selection_set, costs)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    }


def _fragment_costs(fragments: dict[str, FragmentDefinitionNode]) -> dict[str, Cost]:
    """Each fragment's cost, dependencies first, without recursion across fragments.

    A spread of an unknown fragment, or one closing a cycle, costs nothing here: other
    validation rules report those.
    """
    costs: dict[str, Cost] = {}
    for root in fragments:
        path = [(root, iter(_spreads(fragments[root].selection_set)))]
        on_path = {root}
        while path:
            name, spreads = path[-1]
            for spread in spreads:
                if spread in fragments and spread not in costs and spread not in on_path:
                    path.append((spread, iter(_spreads(fragments[spread].selection_set))))
                    on_path.add(spread)
                    break
            else:
                path.pop()
                on_path.discard(name)
                costs[name] = _selection_cost(fragments[name].selection_set, costs)
    return costs


def _spreads(selection_set: SelectionSetNode) -> list[str]:
    """The names of the fragments spread anywhere in this selection set."""
    names: list[str] = []
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return names


def _selection_cost(selection_set: SelectionSetNode, fragments: dict[str, Cost]) -> Cost:
    """The cost of a selection set, fragments it spreads taken from `fragments`."""
    depth = aliases = fields = repeats = spreads = 0
    names: dict[str, int] = {}
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            part = _field_cost(selection, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            part = fragments.get(selection.name.value, Cost())
            names[SPREAD] = names.get(SPREAD, 0) + 1
        elif isinstance(selection, InlineFragmentNode):
            part = _selection_cost(selection.selection_set, fragments)
        else:
            continue
        spreads = max(spreads, part.spreads)
        depth, aliases = max(depth, part.depth), aliases + part.aliases
        fields, repeats = fields + part.fields, max(repeats, part.repeats)
        if fields <= MAX_FIELDS:  # beyond, the operation is refused anyway: spare the time
            for name, count in part.names.items():
                names[name] = names.get(name, 0) + count
    repeats = max(repeats, max((n for key, n in names.items() if key != SPREAD), default=0))
    spreads = max(spreads, names.get(SPREAD, 0))
    return Cost(depth, aliases, fields, repeats, spreads, names)


def _field_cost(node: FieldNode, fragments: dict[str, Cost]) -> Cost:
    inner = Cost() if node.selection_set is None else _selection_cost(node.selection_set, fragments)
    alias = 0 if node.alias is None else 1
    response_name = (node.alias or node.name).value
    return Cost(
        inner.depth + 1,
        inner.aliases + alias,
        inner.fields + 1,
        inner.repeats,
        inner.spreads,
        {response_name: 1},
    )


class OperationCostRule(ValidationRule):
    """Refuses costly operations before any other rule looks at them."""

    def enter_document(self, node: DocumentNode, *_args: Any) -> VisitorAction:
        refusals = [
            GraphQLError(message, operation)
            for operation, cost in operation_costs(node).items()
            for message in _over_the_limits(operation, cost)
        ]
        if refusals:
            for refusal in refusals[:-1]:
                self.report_error(refusal)
            # Abort: other rules (overlapping fields above all) can cost far more than this one.
            last = refusals[-1]
            raise ValidationAbortedError(last.message, last.nodes)
        return SKIP


def _over_the_limits(operation: OperationDefinitionNode, cost: Cost) -> list[str]:
    name = f"'{operation.name.value}'" if operation.name else "The operation"
    messages = []
    if cost.depth > MAX_DEPTH:
        messages.append(f"{name} has depth {cost.depth}; at most {MAX_DEPTH}")
    if cost.aliases > MAX_ALIASES:
        messages.append(f"{name} has {cost.aliases} aliases; at most {MAX_ALIASES}")
    if cost.fields > MAX_FIELDS:
        messages.append(
            f"{name} selects {cost.fields} fields, counting a fragment each time it is spread;"
            f" at most {MAX_FIELDS}"
        )
    if cost.repeats > MAX_REPEATS and cost.fields <= MAX_FIELDS:  # else counted in part
        messages.append(
            f"{name} selects one field {cost.repeats} times in a selection set;"
            f" at most {MAX_REPEATS}"
        )
    if cost.spreads > MAX_SPREADS and cost.fields <= MAX_FIELDS:
        messages.append(
            f"{name} spreads {cost.spreads} fragments in a selection set; at most {MAX_SPREADS}"
        )
    return messages
