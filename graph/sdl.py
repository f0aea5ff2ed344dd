"""Writes `schema.graphql` (`python -m graph.sdl`), the SDL clients and codegen read."""

from __future__ import annotations

from pathlib import Path

from graph.schema import schema

SDL_PATH = Path(__file__).resolve().parents[1] / "schema.graphql"


def render_sdl() -> str:
    return schema.as_str() + "\n"


def main() -> None:
    SDL_PATH.write_text(render_sdl())
    print(f"wrote {SDL_PATH}")


if __name__ == "__main__":
    main()
