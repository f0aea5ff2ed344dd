"""Parsing and validation cached by query text, within a memory budget."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension

# Longer queries are parsed and validated every time; they are rare and their trees are big.
MAX_CACHED_QUERY_LENGTH = 10_000
# Characters of query text cached in all; a parsed query takes about 50-120 bytes a character.
CACHE_BUDGET = 250_000


@dataclass
class Checked:
    document: DocumentNode
    errors: list[GraphQLError] | None = None  # None until validated


class QueryCache:
    """Least recently used entries leave first, once their texts exceed the budget."""

    def __init__(self, *, budget: int, max_query_length: int) -> None:
        self.budget = budget
        self.max_query_length = max_query_length
        self.size = 0
        self.entries: OrderedDict[str, Checked] = OrderedDict()

    def get(self, query: str) -> Checked | None:
        entry = self.entries.get(query)
        if entry is not None:
            self.entries.move_to_end(query)
        return entry

    def put(self, query: str, entry: Checked) -> None:
        if len(query) > self.max_query_length or query in self.entries:
            return
        self.entries[query] = entry
        self.size += len(query)
        while self.size > self.budget:
            evicted, _ = self.entries.popitem(last=False)
            self.size -= len(evicted)


queries = QueryCache(budget=CACHE_BUDGET, max_query_length=MAX_CACHED_QUERY_LENGTH)


class QueryCacheExtension(SchemaExtension):
    """Reuses the document and validation errors of a query text seen before."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        cached = queries.get(context.query) if context.query else None
        if cached is not None:
            context.graphql_document = cached.document
        yield
        if cached is None and context.query and context.graphql_document is not None:
            queries.put(context.query, Checked(context.graphql_document))

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        cached = queries.get(context.query) if context.query else None
        if cached is not None and cached.errors is not None:
            context.pre_execution_errors = list(cached.errors)
        yield
        if cached is not None and cached.errors is None:
            cached.errors = list(context.pre_execution_errors or [])
