"""`/docs` (Swagger UI) and `/redoc` (ReDoc) for the OpenAPI schema, from assets served in `ui/`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse

from ui import asset_url

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"

# The page may load images from this server alone. The ReDoc bundle is served asking for no
# logo from its vendor's CDN (ui/assets.py); this keeps any other outside image out.
REDOC_POLICY = "img-src 'self' data:"

router = APIRouter(include_in_schema=False)


def _openapi_url(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{request.app.openapi_url}"


@router.get(DOCS_PATH)
async def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} · Swagger UI",
        swagger_js_url=asset_url("swagger-ui-bundle.js"),
        swagger_css_url=asset_url("swagger-ui.css"),
        swagger_favicon_url=asset_url("swagger-favicon.png"),
        oauth2_redirect_url=OAUTH2_REDIRECT_PATH,
    )


@router.get(OAUTH2_REDIRECT_PATH)
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get(REDOC_PATH)
async def redoc(request: Request) -> HTMLResponse:
    page = get_redoc_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} · ReDoc",
        redoc_js_url=asset_url("redoc.js"),
        redoc_favicon_url=asset_url("swagger-favicon.png"),
        with_google_fonts=False,
    )
    page.headers["content-security-policy"] = REDOC_POLICY
    return page
