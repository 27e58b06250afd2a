"""The staff's and analysts' pages: Jinja2 with autoescape (citizens' text is
always inserted as text), times in Danish time."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from borgerguide.clock import danish_minute
from borgerguide.tenancy import ROLE_NAMES_DA

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=True,
)
templates.filters["dk"] = danish_minute
templates.filters["dato"] = lambda day: f"{day.day}.{day.month}.{day.year}"  # 8.11.2026
templates.globals["role_names"] = ROLE_NAMES_DA


def render(name: str, **context: Any) -> web.Response:
    return web.Response(text=templates.get_template(name).render(**context), content_type="text/html")
