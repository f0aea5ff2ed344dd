"""What every protocol shares: nanosecond timestamps and their range."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.drafts import from_unix_nanos


@pytest.mark.parametrize(
    ("nanos", "instant"),
    [
        (1_760_000_000_123_456_789, datetime(2025, 10, 9, 8, 53, 20, 123456, tzinfo=UTC)),
        (999, datetime(1970, 1, 1, tzinfo=UTC)),
        (-1, datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        (2**64 - 1, datetime(2554, 7, 21, 23, 34, 33, 709551, tzinfo=UTC)),
        (253_402_300_799_999_999_999, datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        (-62_135_596_800_000_000_000, datetime(1, 1, 1, tzinfo=UTC)),
    ],
)
def test_nanoseconds_floor_to_the_microsecond(nanos: int, instant: datetime) -> None:
    assert from_unix_nanos(nanos) == instant


@pytest.mark.parametrize("nanos", [253_402_300_800_000_000_000, -62_135_596_800_000_000_001])
def test_instants_outside_years_1_to_9999_are_refused(nanos: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        from_unix_nanos(nanos)
