"""Security headers, API rate limiting and the token that guards writes over HTTP."""
from __future__ import annotations

import hmac
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Blueprint, Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .params import BadParameter

# No inline script or style anywhere: the pages use one stylesheet and one script file.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class WriteForbidden(PermissionError):
    """A write over HTTP without the configured token (or with none configured)."""


def require_write_token() -> None:
    """Allow the request only with `Authorization: Bearer <SAFETY_SEARCH_WRITE_TOKEN>`."""
    token = current_app.config.get("WRITE_TOKEN")
    if not token:
        raise WriteForbidden("未配置 SAFETY_SEARCH_WRITE_TOKEN：写操作只能在命令行进行")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise WriteForbidden("写操作需要正确的令牌（Authorization: Bearer …）")


def require_same_origin() -> None:
    """A form post must come from a page of this site (the basket's and the admin pages' forms)."""
    origin = request.headers.get("Origin")
    if request.headers.get("Sec-Fetch-Site") == "cross-site" or \
            origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise WriteForbidden("只接受本站页面提交的表单")


def _reject_invalid_utf8() -> None:
    """Werkzeug would quietly turn undecodable bytes into U+FFFD; say what is wrong instead."""
    try:
        unquote_to_bytes(request.query_string).decode("utf-8")
        unquote_to_bytes(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or "").decode("utf-8")
    except UnicodeDecodeError:
        raise BadParameter("网址中含有无效的 UTF-8 编码字节") from None


def _add_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask, rate_limited: Blueprint) -> None:
    """Headers and the UTF-8 check on every request; the API rate limit on the `rate_limited` blueprint."""
    app.before_request(_reject_invalid_utf8)
    app.after_request(_add_headers)
    limiter = Limiter(get_remote_address, app=app)
    # Per worker process (memory storage): the effective limit across N workers is up to N times this.
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(rate_limited)
    app.extensions["rate_limiter"] = limiter
