"""Browser assets lograph serves itself (GraphiQL, Swagger UI, ReDoc), installed by npm into
`ui/node_modules` from the pinned `ui/package-lock.json`: no CDN at run time."""

from ui.assets import asset_url, assets_router, missing_assets, page_template

__all__ = ["asset_url", "assets_router", "missing_assets", "page_template"]
