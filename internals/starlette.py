"""Starlette's and FastAPI's names the request lanes (core/lanes.py) rely on beyond the ASGI
interface: the app's exception handlers, which the REST lane picks from as Starlette's
exception middleware would, and the body limit the routes sit behind."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

from internals import Shape

__all__ = ["RequestBodyLimitMiddleware"]

SHAPES = [
    Shape(Starlette, "exception_handlers", set_in=Starlette.__init__),
    Shape(RequestBodyLimitMiddleware, "__init__", parameters=("app", "max_body_size")),
]
