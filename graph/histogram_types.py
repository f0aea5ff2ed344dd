"""Types of `histogram`: core's interval and bucket, exposed as they are."""

from __future__ import annotations

import strawberry

from core.histogram import HistogramBucket, HistogramInterval

strawberry.enum(
    HistogramInterval,
    description="Bucket width; buckets start at UTC multiples of it (days at 00:00).",
)
strawberry.type(HistogramBucket)

__all__ = ["HistogramBucket", "HistogramInterval"]
