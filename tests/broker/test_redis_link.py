"""Redis URLs in logs never carry the password."""

from __future__ import annotations

import pytest

from broker.redis_link import redacted


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:s3cret@redis.internal:6379/0", "redis://:***@redis.internal:6379/0"),
        ("rediss://app:s3cret@redis.internal/2", "rediss://app:***@redis.internal/2"),
        ("redis://:p%40ss@10.0.0.1:6379", "redis://:***@10.0.0.1:6379"),
        ("redis://127.0.0.1:6379/13", "redis://127.0.0.1:6379/13"),
        ("unix:///run/redis.sock?db=1", "unix:///run/redis.sock?db=1"),
    ],
)
def test_redacted_hides_only_the_password(url: str, shown: str) -> None:
    assert redacted(url) == shown
