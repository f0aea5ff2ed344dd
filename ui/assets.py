"""`/ui/...`: the few files of the pinned npm packages that the browser pages load."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

logger = logging.getLogger("lograph.ui")

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
PAGES = Path(__file__).resolve().parent / "pages"
PREFIX = "/ui"

# Served path -> file under node_modules. Only these are reachable, never the whole folder.
ASSETS: dict[str, str] = {
    "react.js": "react/umd/react.production.min.js",
    "react-dom.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.js": "graphiql/graphiql.min.js",
    "graphiql.css": "graphiql/graphiql.min.css",
    "explorer.js": "@graphiql/plugin-explorer/dist/index.umd.js",
    "explorer.css": "@graphiql/plugin-explorer/dist/style.css",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "swagger-favicon.png": "swagger-ui-dist/favicon-32x32.png",
    "redoc.js": "redoc/bundles/redoc.standalone.js",
    "uplot.js": "uplot/dist/uPlot.iife.min.js",
    "uplot.css": "uplot/dist/uPlot.min.css",
    "graphql-ws.js": "graphql-ws/umd/graphql-ws.min.js",
}

# ReDoc's sidebar credits its vendor with a logo from their CDN, which a page served offline
# cannot reach and a refused request turns into a console error. The bundle is served asking
# for an empty source instead: the image fails at once, without a request, and ReDoc drops it.
REWRITES: dict[str, tuple[bytes, bytes]] = {
    "redoc.js": (b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', b'src:""'),
}
_CACHED = {"cache-control": "public, max-age=86400"}

assets_router = APIRouter(prefix=PREFIX, include_in_schema=False)


def asset_url(name: str) -> str:
    """Where a page finds one of the served assets."""
    if name not in ASSETS:
        raise KeyError(name)
    return f"{PREFIX}/{name}"


def page_template(name: str) -> str:
    """The HTML of one of our pages, with `{asset}` placeholders for the served files."""
    return (PAGES / name).read_text()


def missing_assets() -> list[str]:
    """Assets not installed (`make setup` runs `npm ci` in ui/); the pages need them all."""
    return [name for name, path in ASSETS.items() if not (NODE_MODULES / path).is_file()]


@assets_router.get("/{name}")
async def asset(name: str) -> Response:
    relative = ASSETS.get(name)
    if relative is None or not (NODE_MODULES / relative).is_file():
        raise HTTPException(status_code=404, detail="Not Found")
    if name in REWRITES:
        return Response(_rewritten(name), media_type="text/javascript", headers=_CACHED)
    # Versions are pinned, but a redeploy may change them: revalidate with the ETag after a day.
    return FileResponse(NODE_MODULES / relative, headers=_CACHED)


@cache
def _rewritten(name: str) -> bytes:
    """The asset with its rewrite made, read once per process."""
    old, new = REWRITES[name]
    return (NODE_MODULES / ASSETS[name]).read_bytes().replace(old, new)
