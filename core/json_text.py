"""JSON text from clients read as Python values the same way on every surface."""

from __future__ import annotations

import json
import re

import orjson

# Integers of 19 digits or more may not fit in 64 bits: orjson would read them as floats.
LONG_NUMBER = re.compile(r"\d{19}")
LONG_NUMBER_BYTES = re.compile(rb"\d{19}")


def loads(data: str | bytes) -> object:
    """JSON as orjson reads it (refusing invalid UTF-8, lone surrogates, NaN and nesting beyond
    1024 levels with a JSONDecodeError), with integers beyond 64 bits kept exact, as json.loads
    reads them."""
    value = orjson.loads(data)
    if isinstance(data, bytes):
        exact = LONG_NUMBER_BYTES.search(data) is not None
    else:
        exact = LONG_NUMBER.search(data) is not None
    if not exact:
        return value
    try:
        return json.loads(data)  # exact integers, for the resolvers to refuse beyond 64 bits
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", "", 0) from None
