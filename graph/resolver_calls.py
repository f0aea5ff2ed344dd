"""A root field's resolver called as Strawberry calls it, from steps worked out once.

On every call Strawberry's resolver wrapper converts the arguments with a function that handles
every kind of type (and runs an import statement each time it recurses), names each argument
through the name converter, chains the field's extensions, and only then calls the resolver:
for a page of logs, more CPU than the resolver's own work before its query. For a field whose
arguments are scalars, enums, lists of them, or input types with a conversion of their own
(graph/inputs.py), and whose only extension is the permission check, `ResolverCall` takes the
same steps from what `resolver_call` worked out once. Where Strawberry would refuse or report
something (an argument it cannot convert, a permission not granted) it answers REFUSED, and the
caller lets Strawberry's wrapper run the field and report it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLField, GraphQLSchema
from strawberry import UNSET
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.relay.types import GlobalID
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

REFUSED = object()  # Strawberry's wrapper must run the field (and report what it refuses)
Convert = Callable[[Any, Info[Any, Any]], Any]


@dataclass(frozen=True, slots=True)
class ResolverCall:
    """What Strawberry's wrapper does for one field, worked out."""

    definition: StrawberryField
    arguments: tuple[tuple[str, str, Convert], ...]  # GraphQL name, Python name, conversion
    permissions: tuple[BasePermission, ...]
    info_class: type[Info[Any, Any]]
    takes_self: bool
    source_names: tuple[str, ...]  # the resolver's root or parent parameter
    info_name: str | None

    async def resolve(self, source: Any, info: Any, arguments: dict[str, Any]) -> Any:
        """The resolver's value, or REFUSED before the resolver runs. `info` is graphql-core's
        resolve info as Strawberry's execution context builds it."""
        strawberry_info = self.info_class(_raw_info=info, _field=self.definition)
        try:
            kwargs = {
                python_name: convert(arguments[name], strawberry_info)
                for name, python_name, convert in self.arguments
                if name in arguments
            }
            for permission in self.permissions:
                granted: Any = permission.has_permission(source, strawberry_info, **kwargs)
                if optimized_is_awaitable(granted):
                    granted = await granted
                if granted is not True:
                    return REFUSED
        except Exception:
            return REFUSED
        for name in self.source_names:
            kwargs[name] = source
        if self.info_name is not None:
            kwargs[self.info_name] = strawberry_info
        resolver = self.definition.base_resolver
        assert resolver is not None  # resolver_call takes only fields with one
        return await (resolver(source, **kwargs) if self.takes_self else resolver(**kwargs))


def resolver_call(schema: GraphQLSchema, field: GraphQLField) -> ResolverCall | None:
    """The worked-out call of a field's async resolver; None where only the wrapper will do."""
    strawberry_schema: Any = getattr(schema, "_strawberry_schema", None)
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if strawberry_schema is None or strawberry_schema.exception_handlers:
        return None
    if not isinstance(definition, StrawberryField) or not definition.is_async:
        return None
    resolver = definition.base_resolver
    if resolver is None or not all(
        type(extension) is PermissionExtension for extension in definition.extensions
    ):
        return None
    registry = strawberry_schema.schema_converter.scalar_registry
    config = strawberry_schema.config
    arguments: list[tuple[str, str, Convert]] = []
    for argument in definition.arguments:
        name = config.name_converter.from_argument(argument)
        convert = _conversion(argument.type, registry, config, (name,))
        if convert is None:
            return None
        arguments.append((name, argument.python_name, convert))
    sources = (resolver.parent_parameter, resolver.root_parameter)
    return ResolverCall(
        definition,
        tuple(arguments),
        tuple(
            permission
            for extension in definition.extensions
            if isinstance(extension, PermissionExtension)
            for permission in extension.permissions
        ),
        config.info_class,
        resolver.self_parameter is not None,
        tuple(parameter.name for parameter in sources if parameter is not None),
        None if resolver.info_parameter is None else resolver.info_parameter.name,
    )


def _conversion(
    argument_type: Any, registry: Any, config: Any, path: tuple[str, ...]
) -> Convert | None:
    """Strawberry's convert_argument for this type, decided once; None for kinds not taken."""
    if isinstance(argument_type, StrawberryMaybe):
        return None
    inner_type = (
        argument_type.of_type if isinstance(argument_type, StrawberryOptional) else argument_type
    )
    inner = _value_conversion(inner_type, registry, config, path)
    if inner is None:
        return None

    def convert(value: Any, info: Info[Any, Any]) -> Any:
        return value if value is None or value is UNSET else inner(value, info)

    return convert


def _value_conversion(
    value_type: Any, registry: Any, config: Any, path: tuple[str, ...]
) -> Convert | None:
    if _is_leaf(value_type, registry):
        return _as_it_is
    if isinstance(value_type, StrawberryList):
        item = value_type.of_type
        item = item.of_type if isinstance(item, StrawberryOptional) else item
        # The list is copied, as Strawberry does: a default is shared by every request.
        return _copied if _is_leaf(item, registry) else None
    if has_object_definition(value_type):
        from_input = value_type.__strawberry_definition__.from_input
        if from_input is None:
            return None

        def convert(value: Any, info: Info[Any, Any]) -> Any:
            context = InputContext(info=info, config=config, scalar_registry=registry, path=path)
            return from_input(value_type, value, context)

        return convert
    return None


def _is_leaf(value_type: Any, registry: Any) -> bool:
    if value_type is GlobalID:  # converted from its text: left to Strawberry
        return False
    return (
        isinstance(value_type, StrawberryEnumDefinition)
        or has_enum_definition(value_type)
        or (_hashable(value_type) and value_type in registry)
    )


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _as_it_is(value: Any, _info: Info[Any, Any]) -> Any:
    return value


def _copied(value: Any, _info: Info[Any, Any]) -> Any:
    return list(value)
