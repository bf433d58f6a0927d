"""The public board pages on the bot's HTTP server (`ops.public_board = true`): read-only, one
page per scope whose moderators publish their boards, a board per category and mode on it.

    /boards                         the scopes that publish
    /boards/{scope}                 the page (its category links switch boards)
    /boards/{scope}/{mode}/{cat}    the same page opening on that board
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from aiohttp import web

from arenabot.features.publishing import page
from arenabot.features.publishing.service import Publishing

# No script and nothing from elsewhere: the page needs inline styles only.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def add_routes(app: web.Application, publishing: Publishing) -> None:
    async def index(request: web.Request) -> web.Response:
        scopes = await publishing.published_scopes()
        items = (
            "".join(f'<li><a href="/boards/{quote(s, safe=":")}">{escape(s)}</a></li>' for s in scopes) or "<li>None yet.</li>"
        )
        body = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Arena leaderboards</title></head>'
            f"<body><h1>Arena leaderboards</h1><ul>{items}</ul></body></html>"
        )
        return web.Response(text=body, content_type="text/html", headers=HEADERS)

    async def board_page(request: web.Request) -> web.Response:
        scope_key = request.match_info["scope"]
        if scope_key not in await publishing.published_scopes():  # only scopes whose moderators chose to publish
            raise web.HTTPNotFound(text="No published boards here.")
        boards = await publishing.page_boards(scope_key)
        selected = None
        if "mode" in request.match_info:
            selected = f"{request.match_info['category']}-{request.match_info['mode']}"
            if not any(b.slug == selected for b in boards):
                raise web.HTTPNotFound(text="No such board here: pick one from the page's links.")
        html = page.render(f"Arena leaderboards - {scope_key}", boards, publishing.state.now(), selected)
        return web.Response(text=html, content_type="text/html", headers=HEADERS)

    app.router.add_get("/boards", index)
    app.router.add_get("/boards/{scope}", board_page)
    app.router.add_get("/boards/{scope}/{mode}/{category}", board_page)
