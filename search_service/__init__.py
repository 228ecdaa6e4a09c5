"""The web service: search pages and the JSON API over `index.SearchIndex`."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from . import settings as settings_module


def config_from_env(env=None) -> dict:
    """Flask settings from the operator's environment (SAFETY_SEARCH_*); SettingError when malformed."""
    settings = settings_module.load(env)
    config = {"LOCK_TIMEOUT": settings.lock_timeout, "INDEX_DIR": str(settings.index)}
    if settings.rate_limit is None:
        config["RATELIMIT_ENABLED"] = False
    else:
        config["API_RATE_LIMIT"] = settings.rate_limit
    if settings.write_token:
        config["WRITE_TOKEN"] = settings.write_token
    if settings.secret_key:
        config["SECRET_KEY"] = settings.secret_key
    if settings.uploads:
        config["UPLOAD_DIR"] = str(settings.uploads)
    config.update(settings.upload_limits)
    return config


def create_app(index_dir: str | Path | None = None, **config) -> Flask:
    """Build the app over the index at `index_dir`; keyword arguments override the defaults below."""
    from . import api, basket, errors, exports, markup, pages, security, uploads
    from .searcher import IndexHolder

    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR=settings_module.DEFAULT_INDEX,
        MAX_QUERY_LENGTH=500,
        MAX_PER_PAGE=50,
        MAX_RESULT_DEPTH=1000,      # deepest result reachable by paging (page * per_page)
        MAX_CONTEXT=10,             # paragraphs of context either side
        API_RATE_LIMIT=settings_module.DEFAULT_RATE_LIMIT,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_STRATEGY="moving-window",   # no double burst at a window boundary
        RATELIMIT_HEADERS_ENABLED=True,
        WRITE_TOKEN=None,           # writes over HTTP (delete, upload) only when set; otherwise the CLI only
        LOCK_TIMEOUT=30.0,          # how long DELETE waits for another writer (SAFETY_SEARCH_LOCK_TIMEOUT)
        JSON_AS_ASCII=False,
        # sessions sign the admin login; a random key (shared by the preloaded workers) ends them on restart
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_NAME="safety_admin",
        SESSION_COOKIE_SAMESITE="Strict",
        UPLOAD_DIR=None,            # default: "uploads" beside the index folder
        UPLOAD_MAX_MB=100,          # one request
        UPLOAD_MAX_FILES=2000,      # files per upload, zip members included
        UPLOAD_MAX_FILE_MB=20,      # one page or dump, uncompressed
        UPLOAD_MAX_TOTAL_MB=500,    # everything one upload unpacks to
    )
    app.config.update(config_from_env())
    if index_dir:
        app.config["INDEX_DIR"] = str(index_dir)
    app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["UPLOAD_MAX_MB"] * 2**20
    app.config["UPLOAD_DIR"] = str(app.config["UPLOAD_DIR"] or Path(app.config["INDEX_DIR"]).parent / "uploads")
    app.config["DEBUG"] = False
    settings_module.check_rate_limit(app.config["API_RATE_LIMIT"])
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
    app.register_blueprint(exports.bp)
    basket.init_app(app)
    uploads.init_app(app)
    return app
