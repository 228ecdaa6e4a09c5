"""The web service: search pages and the JSON API over `index.SearchIndex`."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from limits import parse_many


def config_from_env() -> dict:
    """Settings an operator gives through the environment (SAFETY_SEARCH_*)."""
    env = os.environ
    config = {}
    limit = env.get("SAFETY_SEARCH_RATE_LIMIT", "").strip()
    if limit.lower() in ("off", "0", "none"):
        config["RATELIMIT_ENABLED"] = False
    elif limit:
        config["API_RATE_LIMIT"] = limit
    if env.get("SAFETY_SEARCH_WRITE_TOKEN"):
        config["WRITE_TOKEN"] = env["SAFETY_SEARCH_WRITE_TOKEN"]
    return config


def create_app(index_dir: str | Path | None = None, **config) -> Flask:
    """Build the app over the index at `index_dir`; keyword arguments override the defaults below."""
    from . import api, errors, markup, pages, security
    from .searcher import IndexHolder

    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR=str(index_dir or os.environ.get("SAFETY_SEARCH_INDEX", "var/index")),
        MAX_QUERY_LENGTH=500,
        MAX_PER_PAGE=50,
        MAX_RESULT_DEPTH=1000,      # deepest result reachable by paging (page * per_page)
        MAX_CONTEXT=10,             # paragraphs of context either side
        API_RATE_LIMIT="600 per minute",
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_STRATEGY="moving-window",   # no double burst at a window boundary
        RATELIMIT_HEADERS_ENABLED=True,
        WRITE_TOKEN=None,           # DELETE over HTTP only when set; otherwise the CLI is the only writer
        JSON_AS_ASCII=False,
    )
    app.config.update(config_from_env())
    app.config.update(config)
    app.config["DEBUG"] = False
    try:
        parse_many(app.config["API_RATE_LIMIT"])
    except ValueError:
        raise ValueError(f"无法识别的频率限制「{app.config['API_RATE_LIMIT']}」，"
                         "应写成如 600 per minute 或 10/second（SAFETY_SEARCH_RATE_LIMIT）") from None
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    app.extensions["search_index"] = IndexHolder(Path(app.config["INDEX_DIR"]))
    security.init_app(app)
    markup.init_app(app)
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    return app
