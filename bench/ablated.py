"""`uvicorn bench.ablated:app`: the app with the shortcut WITHOUT names taken out
(bench/ablation.py), for bench.fast_path. Never used by the service."""

from __future__ import annotations

import os

from bench.ablation import TAKE_OUT

TAKE_OUT[os.environ["WITHOUT"]]()  # before main builds the app: main imports the lanes' tests

from main import app  # noqa: E402

__all__ = ["app"]
