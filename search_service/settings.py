"""Operator settings (environment `SAFETY_SEARCH_*`), parsed and validated once, at start.

A malformed value is a SettingError naming the variable, the value and what it should be; the CLI
turns it into exit status 2 before doing anything else.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from limits import parse_many

DEFAULT_INDEX = "var/index"
DEFAULT_CORPUS = str(Path(__file__).resolve().parent.parent / "corpus")
DEFAULT_RATE_LIMIT = "600 per minute"
RATE_LIMIT_OFF = ("off", "0", "none")
UPLOAD_LIMITS = {
    "UPLOAD_MAX_MB": 100,           # one request
    "UPLOAD_MAX_FILES": 2000,       # files per upload, zip members included
    "UPLOAD_MAX_FILE_MB": 20,       # one page or dump, uncompressed
    "UPLOAD_MAX_TOTAL_MB": 500,     # everything one upload unpacks to
}
MAX_WORKERS = 64            # far beyond a sensible machine; a typo like 200 is caught


class SettingError(ValueError):
    """A malformed setting; str(exc) is the Chinese message for the operator."""


@dataclass(frozen=True)
class Settings:
    index: Path
    corpus: Path
    host: str
    port: int
    workers: int
    rate_limit: str | None          # None: no rate limit
    write_token: str | None
    lock_timeout: float
    base_url: str                   # the service's address, for links in `safety-search export`
    secret_key: str | None = None   # signs the admin login session; None: random per start
    uploads: Path | None = None     # the upload area; None: "uploads" beside the index folder
    upload_limits: dict = field(default_factory=lambda: dict(UPLOAD_LIMITS))   # UPLOAD_MAX_*


def _integer(env, name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise SettingError(f"环境变量 {name} 的值「{raw[:40]}」不对：应为 {low} 到 {high} 之间的整数"
                           f"（删除它则用默认值 {default}）")
    return int(raw)


def _seconds(env, name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0:
        raise SettingError(f"环境变量 {name} 的值「{raw[:40]}」不对：应为不小于 0 的秒数，如 30 或 2.5"
                           f"（删除它则用默认值 {default:g}）")
    return value


def check_rate_limit(limit: str, name: str = "SAFETY_SEARCH_RATE_LIMIT") -> str:
    try:
        parse_many(limit)
    except ValueError:
        raise SettingError(f"无法识别的频率限制「{limit[:60]}」，应写成如 600 per minute 或 10/second（{name}），"
                           "off 表示不限制") from None
    return limit


def load(env=None) -> Settings:
    """The settings from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    limit = env.get("SAFETY_SEARCH_RATE_LIMIT", "").strip() or DEFAULT_RATE_LIMIT
    from index.writing import LOCK_TIMEOUT

    return Settings(
        index=Path(env.get("SAFETY_SEARCH_INDEX", "").strip() or DEFAULT_INDEX),
        corpus=Path(env.get("SAFETY_SEARCH_CORPUS", "").strip() or DEFAULT_CORPUS),
        host=env.get("SAFETY_SEARCH_HOST", "").strip() or "127.0.0.1",
        port=_integer(env, "SAFETY_SEARCH_PORT", 8000, 1, 65535),
        workers=_integer(env, "SAFETY_SEARCH_WORKERS", 2, 1, MAX_WORKERS),
        rate_limit=None if limit.lower() in RATE_LIMIT_OFF else check_rate_limit(limit),
        write_token=env.get("SAFETY_SEARCH_WRITE_TOKEN") or None,
        lock_timeout=_seconds(env, "SAFETY_SEARCH_LOCK_TIMEOUT", LOCK_TIMEOUT),
        base_url=env.get("SAFETY_SEARCH_BASE_URL", "").strip() or "http://127.0.0.1:8000",
        secret_key=env.get("SAFETY_SEARCH_SECRET_KEY") or None,
        uploads=Path(env["SAFETY_SEARCH_UPLOADS"].strip()) if env.get("SAFETY_SEARCH_UPLOADS", "").strip() else None,
        upload_limits={name: _integer(env, f"SAFETY_SEARCH_{name}", default, 1, 1_000_000)
                       for name, default in UPLOAD_LIMITS.items()},
    )
