"""OTLP's AnyValue as JSON: every kind, and the nesting bound exactly where it falls."""

from __future__ import annotations

import pytest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue, KeyValueList

from ingest import limits
from ingest.otlp_values import ValueRefused, attributes, value


def _in_arrays(levels: int, inner: AnyValue) -> AnyValue:
    for _ in range(levels):
        inner = AnyValue(array_value=ArrayValue(values=[inner]))
    return inner


def test_each_kind_reads_as_its_json_value() -> None:
    pairs = [
        KeyValue(key="s", value=AnyValue(string_value="x")),
        KeyValue(key="i", value=AnyValue(int_value=-5)),
        KeyValue(key="b", value=AnyValue(bool_value=False)),
        KeyValue(key="d", value=AnyValue(double_value=1.5)),
        KeyValue(key="bytes", value=AnyValue(bytes_value=b"\x00\xff")),
        KeyValue(key="unset", value=AnyValue()),
        KeyValue(key="map", value=AnyValue(kvlist_value=KeyValueList(values=[]))),
        KeyValue(key="s", value=AnyValue(int_value=2)),
    ]
    assert attributes(pairs) == {
        "s": 2,
        "i": -5,
        "b": False,
        "d": 1.5,
        "bytes": "AP8=",
        "unset": None,
        "map": {},
    }


@pytest.mark.parametrize("inner", [AnyValue(string_value="x"), AnyValue(int_value=1), AnyValue()])
def test_scalars_count_toward_the_nesting_bound_like_containers(inner: AnyValue) -> None:
    innermost = value(_in_arrays(limits.MAX_VALUE_DEPTH, inner))
    for _ in range(limits.MAX_VALUE_DEPTH):
        (innermost,) = innermost
    assert innermost == value(inner)
    with pytest.raises(ValueRefused, match="nested deeper"):
        value(_in_arrays(limits.MAX_VALUE_DEPTH + 1, inner))
