"""The web service: search pages and the JSON API over `index.SearchIndex`."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from . import settings as settings_module


def config_from_settings(settings: settings_module.Settings) -> dict:
    """The Flask settings that come from the operator (SAFETY_SEARCH_*, read once by settings.load)."""
    return {
        "INDEX_DIR": str(settings.index),
        "LOCK_TIMEOUT": settings.lock_timeout,      # how long DELETE and uploads wait for another writer
        "RATELIMIT_ENABLED": settings.rate_limit is not None,
        "API_RATE_LIMIT": settings.rate_limit,
        "WRITE_TOKEN": settings.write_token,        # writes over HTTP (delete, upload) only when set
        # sessions sign the admin login; a random key (shared by the preloaded workers) ends them on restart
        "SECRET_KEY": settings.secret_key or secrets.token_hex(32),
        "UPLOAD_DIR": settings.uploads,             # None: "uploads" beside the index folder
        **settings.upload_limits,
    }


def create_app(index_dir: str | Path | None = None, settings: settings_module.Settings | None = None,
               **config) -> Flask:
    """Build the app over the index at `index_dir` with the operator's `settings` (read from the
    environment when not given); keyword arguments override single Flask settings."""
    from . import api, basket, errors, exports, markup, pages, security, uploads
    from .searcher import IndexHolder

    app = Flask(__name__)
    app.config.from_mapping(
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_STRATEGY="moving-window",   # no double burst at a window boundary
        RATELIMIT_HEADERS_ENABLED=True,
        JSON_AS_ASCII=False,
        SESSION_COOKIE_NAME="safety_admin",
        SESSION_COOKIE_SAMESITE="Strict",
        **config_from_settings(settings_module.load() if settings is None else settings),
    )
    if index_dir:
        app.config["INDEX_DIR"] = str(index_dir)
    app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["UPLOAD_MAX_MB"] * 2**20
    app.config["UPLOAD_DIR"] = str(app.config["UPLOAD_DIR"] or Path(app.config["INDEX_DIR"]).parent / "uploads")
    app.config["DEBUG"] = False
    if app.config["RATELIMIT_ENABLED"]:
        settings_module.check_rate_limit(app.config["API_RATE_LIMIT"])
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    app.extensions["search_index"] = IndexHolder(Path(app.config["INDEX_DIR"]))
    security.init_app(app, rate_limited=api.bp)
    markup.init_app(app)
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(exports.bp)
    basket.init_app(app)
    uploads.init_app(app)
    return app
