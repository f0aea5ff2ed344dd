"""What an operation costs: depth, aliases and fields, each fragment measured once.

A fragment spread twice costs twice, so `{ ...F0 } fragment F0 { ...F1 ...F1 } ...` has
2^n fields; but each fragment definition is measured once and its cost reused, so measuring
is linear in the size of the document, whatever the fragments are called.
"""

from __future__ import annotations

from dataclasses import dataclass
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

# Fields on the longest path. The full introspection query has 15; other tools' versions nest
# `ofType` a few times more.
MAX_DEPTH = 20
MAX_ALIASES = 30
MAX_FIELDS = 2_000


@dataclass(frozen=True)
class Cost:
    depth: int = 0  # fields on the longest path
    aliases: int = 0
    fields: int = 0  # with each spread of a fragment counted

    def __add__(self, other: Cost) -> Cost:
        """The cost of two selections side by side."""
        return Cost(
            max(self.depth, other.depth), self.aliases + other.aliases, self.fields + other.fields
        )


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
    total = Cost()
    for selection in selection_set.selections:
        if isinstance(selection, FragmentSpreadNode):
            total += fragments.get(selection.name.value, Cost())
        elif isinstance(selection, FieldNode):
            inner = Cost()
            if selection.selection_set is not None:
                inner = _selection_cost(selection.selection_set, fragments)
            alias = 1 if selection.alias is not None else 0
            total += Cost(inner.depth + 1, inner.aliases + alias, inner.fields + 1)
        elif isinstance(selection, InlineFragmentNode):
            total += _selection_cost(selection.selection_set, fragments)
    return total


class OperationCostRule(ValidationRule):
    """Refuses operations deeper, with more aliases, or selecting more fields than allowed."""

    def enter_document(self, node: DocumentNode, *_args: Any) -> VisitorAction:
        for operation, cost in operation_costs(node).items():
            name = f"'{operation.name.value}'" if operation.name else "The operation"
            if cost.depth > MAX_DEPTH:
                self._refuse(operation, f"{name} has depth {cost.depth}; at most {MAX_DEPTH}")
            if cost.aliases > MAX_ALIASES:
                self._refuse(operation, f"{name} has {cost.aliases} aliases; at most {MAX_ALIASES}")
            if cost.fields > MAX_FIELDS:
                self._refuse(
                    operation,
                    f"{name} selects {cost.fields} fields, counting a fragment each time it is"
                    f" spread; at most {MAX_FIELDS}",
                )
        return SKIP

    def _refuse(self, operation: OperationDefinitionNode, message: str) -> None:
        self.report_error(GraphQLError(message, operation))
