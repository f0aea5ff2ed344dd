"""API keys in the schema: create (the key is shown this once), revoke, list. Admin only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from core.access import Scope
from db.api_keys import ApiKeyRecord
from graph.access import ADMIN, caller_of

strawberry.enum(Scope, name="ApiKeyScope", description="What a key may do.")


@strawberry.type(description="An API key as stored: never the key itself.")
class ApiKey:
    name: str
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None = strawberry.field(
        description="Recorded at most every 30 s per process."
    )
    rate_limit_per_second: float | None

    @classmethod
    def from_record(cls, record: ApiKeyRecord) -> ApiKey:
        return cls(
            name=record.name,
            scopes=sorted((Scope(scope) for scope in record.scopes), key=list(Scope).index),
            created_at=record.created_at,
            last_used_at=record.last_used_at,
            rate_limit_per_second=record.rate_limit_per_second,
        )


@strawberry.type(description="A new key: `key` is shown only in this answer, never again.")
class CreatedApiKey:
    key: str
    api_key: ApiKey


@strawberry.type
class KeyQueries:
    @strawberry.field(
        description="Every live API key (revoked ones are gone).", permission_classes=ADMIN
    )
    async def api_keys(self, info: Info[Any, None]) -> list[ApiKey]:
        records = await info.context.runtime.keys.list()
        return [ApiKey.from_record(record) for record in records]


@strawberry.type
class KeyMutations:
    @strawberry.mutation(
        description="A new random key with these scopes.", permission_classes=ADMIN
    )
    async def create_api_key(
        self,
        info: Info[Any, None],
        name: str,
        scopes: list[Scope],
        rate_limit_per_second: float | None = None,
    ) -> CreatedApiKey:
        key, record = await info.context.runtime.keys.create(
            caller=caller_of(info),
            name=name,
            scopes=scopes,
            rate_limit_per_second=rate_limit_per_second,
        )
        return CreatedApiKey(key=key, api_key=ApiKey.from_record(record))

    @strawberry.mutation(
        description="Revokes the key at once in every process; null when there is none.",
        permission_classes=ADMIN,
    )
    async def revoke_api_key(self, info: Info[Any, None], name: str) -> ApiKey | None:
        record = await info.context.runtime.keys.revoke(caller=caller_of(info), name=name)
        return None if record is None else ApiKey.from_record(record)
