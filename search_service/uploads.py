"""Uploads by authorised staff: `/admin/upload` (token login, CSRF-protected form) and `POST /api/documents`
(multipart `files`, Bearer token). Accepted files land in a job folder of the upload area and are ingested
in the background (search_service/jobs.py); `GET /api/jobs/<id>` and `/admin/jobs/<id>` show the progress.

Uploads are hostile input. Every file is written under a name made here (never the client's path) inside
the job folder; a zip is read member by member: absolute or `..` paths, links, encrypted and nested
archives are skipped, and each member is read with its size capped, so a zip bomb stops at the cap whatever
its header claims. Limits (request size, files, bytes per file, bytes per upload) are settings. Without
authorisation nothing is read from the body and nothing is written. The token is only ever read from a
header or a POST body, never a URL, and never logged.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import shutil
import stat
import time
import zipfile
from pathlib import Path, PurePosixPath

from flask import (Blueprint, abort, current_app, jsonify, redirect, render_template, request, session,
                   url_for)
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from . import jobs
from .params import BadParameter
from .security import WriteForbidden, require_same_origin, require_write_token

INPUT_SUFFIXES = {".txt", ".html", ".htm", ".jsonl"}
ZIP_SUFFIX = ".zip"
# Declared types a browser or client sends for these files; anything else (image/png …) is not a page.
ACCEPTED_TYPES = ("text/", "application/zip", "application/x-zip-compressed", "application/octet-stream",
                  "application/json", "application/x-ndjson", "application/jsonl", "application/xhtml+xml")
MAX_RATIO = 100                 # uncompressed/compressed: text compresses ~5-10x, a bomb 1000x and more
# zipfile reads the whole central directory at once (~0.5 KB of memory per entry): an archive of millions
# of empty entries is refused before that, from the count in its end record.
MAX_ZIP_ENTRIES = 20_000
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
CHUNK = 64 * 1024

bp = Blueprint("uploads", __name__)


class Limits:
    def __init__(self, config):
        self.files = config["UPLOAD_MAX_FILES"]
        self.file_bytes = config["UPLOAD_MAX_FILE_MB"] * 2**20
        self.total_bytes = config["UPLOAD_MAX_TOTAL_MB"] * 2**20


# --- who may write ----------------------------------------------------------------------------------

def _token_fingerprint() -> str | None:
    token = current_app.config.get("WRITE_TOKEN")
    return hashlib.sha256(token.encode()).hexdigest()[:32] if token else None


def _logged_in() -> bool:
    fingerprint = _token_fingerprint()
    return bool(fingerprint) and hmac.compare_digest(session.get("writer", ""), fingerprint)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_form() -> None:
    """Forms of the admin pages: from this site, with the session's CSRF token."""
    require_same_origin()
    given = request.form.get("csrf", "")
    if not given or not hmac.compare_digest(given, session.get("csrf", "")):
        raise WriteForbidden("表单已过期或不是从本站提交的（CSRF 校验失败）：请刷新页面后重试")


# --- receiving files ---------------------------------------------------------------------------------

def _safe_name(raw: str, number: int) -> str:
    """A file name of our own making: the client's base name cleaned, numbered so names never collide."""
    base = PurePosixPath((raw or "").replace("\\", "/")).name
    base = UNSAFE_NAME.sub("_", base).lstrip(".")[:80] or "file"
    return f"{number:05d}_{base}"


def _copy_capped(source, target: Path, cap: int) -> bool:
    """Copy at most `cap` bytes; False (and no file) when the source holds more."""
    written = 0
    try:
        with target.open("wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > cap:
                    break
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)      # a half-read member must not be ingested
        raise
    if written > cap:
        target.unlink()
        return False
    return True


class Receiver:
    """Files of one upload written into `folder`, with what was skipped and why."""

    def __init__(self, folder: Path, limits: Limits):
        self.folder, self.limits = folder, limits
        self.accepted: list[str] = []
        self.skipped: list[dict] = []
        self.total = 0
        self.folder.mkdir(parents=True)

    def skip(self, name: str, reason: str) -> None:
        self.skipped.append({"file": PurePosixPath((name or "").replace("\\", "/")).name[:120] or "（无名）",
                             "reason": reason})

    def _room(self, name: str) -> bool:
        if len(self.accepted) >= self.limits.files:
            self.skip(name, f"文件过多：每次最多 {self.limits.files} 个文件")
            return False
        if self.total >= self.limits.total_bytes:
            self.skip(name, f"本次上传已达总量上限 {self.limits.total_bytes // 2**20} MB")
            return False
        return True

    def _store(self, name: str, source, cap: int) -> None:
        target = self.folder / _safe_name(name, len(self.accepted) + len(self.skipped) + 1)
        if not _copy_capped(source, target, cap):
            self.skip(name, f"文件过大：每个文件最多 {self.limits.file_bytes // 2**20} MB" if cap == self.limits.file_bytes
                      else f"本次上传已达总量上限 {self.limits.total_bytes // 2**20} MB")
            return
        self.total += target.stat().st_size
        self.accepted.append(target.name)

    def add_part(self, part) -> None:
        name = part.filename or ""
        suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
        declared = (part.mimetype or "").lower()
        if suffix not in INPUT_SUFFIXES | {ZIP_SUFFIX}:
            self.skip(name, f"不支持的文件类型「{suffix or '无扩展名'}」：只收 .txt、.html、.htm、.jsonl 或它们的 .zip")
        elif declared and not declared.startswith(ACCEPTED_TYPES):
            self.skip(name, f"声明的内容类型 {declared[:60]} 不是文本或压缩包")
        elif suffix == ZIP_SUFFIX:
            self.add_zip(name, part.stream)
        elif self._room(name):
            self._store(name, part.stream, min(self.limits.file_bytes, self.limits.total_bytes - self.total))

    def add_zip(self, name: str, stream) -> None:
        spooled = self.folder.parent / f".{secrets.token_hex(4)}.zip"
        try:
            if not _copy_capped(stream, spooled, self.limits.total_bytes):
                self.skip(name, f"压缩包过大：最多 {self.limits.total_bytes // 2**20} MB")
                return
            entries = _zip_entries(spooled)
            if entries is None or entries > max(MAX_ZIP_ENTRIES, 5 * self.limits.files):
                self.skip(name, "压缩包内文件过多（或数目无法读出）：请分成几个较小的压缩包"
                          if entries else "不是有效的 zip 压缩包")
                return
            try:
                archive = zipfile.ZipFile(spooled)
            except (zipfile.BadZipFile, OSError, ValueError):
                self.skip(name, "不是有效的 zip 压缩包")
                return
            with archive:
                for member in archive.infolist():
                    self._add_member(archive, member)
        finally:
            spooled.unlink(missing_ok=True)

    def _add_member(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
        path = member.filename
        parts = PurePosixPath(path.replace("\\", "/")).parts
        mode = member.external_attr >> 16
        if member.is_dir():
            return
        if path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", path) or ".." in parts:
            self.skip(path, "压缩包内的路径不安全（绝对路径或 ..），已跳过")
        elif stat.S_ISLNK(mode):
            self.skip(path, "压缩包内的符号链接，已跳过")
        elif member.flag_bits & 0x1:
            self.skip(path, "压缩包内的文件已加密，无法读取")
        elif PurePosixPath(path).suffix.lower() == ZIP_SUFFIX:
            self.skip(path, "不展开压缩包里的压缩包")
        elif PurePosixPath(path).suffix.lower() not in INPUT_SUFFIXES:
            self.skip(path, f"不支持的文件类型「{PurePosixPath(path).suffix or '无扩展名'}」")
        elif member.file_size > 2**20 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            self.skip(path, f"压缩比异常（{member.file_size // max(member.compress_size, 1)} 倍，疑似压缩炸弹），已跳过")
        elif member.file_size > self.limits.file_bytes:
            self.skip(path, f"文件过大：每个文件最多 {self.limits.file_bytes // 2**20} MB")
        elif self._room(path):
            try:
                with archive.open(member) as source:    # read capped: the header's size may lie
                    self._store(path, source, min(self.limits.file_bytes, self.limits.total_bytes - self.total))
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
                self.skip(path, f"压缩包内的文件无法读取（{type(exc).__name__}）")


def _zip_entries(path: Path) -> int | None:
    """The entry count of a zip's end-of-central-directory record; 65535 for ZIP64 (too many for us);
    None when there is no such record."""
    with path.open("rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - 65_557))            # the record (22 bytes) plus the longest comment
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    return int.from_bytes(tail[at + 10:at + 12], "little")


def receive() -> dict:
    """Write the request's `files` into a new job and start its ingest; 400 when nothing usable came."""
    try:
        parts = request.files.getlist("files")
    except RequestEntityTooLarge:
        raise RequestEntityTooLarge(f"上传过大：每次最多 {current_app.config['MAX_CONTENT_LENGTH'] // 2**20} MB"
                                    "（SAFETY_SEARCH_UPLOAD_MAX_MB）") from None
    if not parts:
        raise BadParameter("没有收到文件：请用 multipart/form-data 的 files 字段上传（可多个，或一个 zip）")
    config = current_app.config
    root = Path(config["UPLOAD_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    job_id = secrets.token_hex(8)
    job_dir = root / job_id
    receiver = Receiver(job_dir / "files", Limits(config))
    for part in parts:
        receiver.add_part(part)
    if not receiver.accepted:
        shutil.rmtree(job_dir, ignore_errors=True)
        reasons = "；".join(f"{s['file']}：{s['reason']}" for s in receiver.skipped[:5])
        raise BadParameter(f"没有可导入的文件（{reasons}）")
    state = {"job_id": job_id, "state": "queued", "message": "已接收，等待导入", "created": time.time(),
             "files": len(receiver.accepted), "files_done": 0, "documents": 0, "documents_per_second": 0,
             "eta_seconds": None, "accepted": receiver.accepted, "skipped_on_upload": receiver.skipped,
             "summary": None}
    jobs.write_state(job_dir, state)
    jobs.start(job_dir, Path(config["INDEX_DIR"]))
    current_app.logger.info("上传任务 %s：接收 %d 个文件，跳过 %d 个", job_id, len(receiver.accepted),
                            len(receiver.skipped))
    return state


def job_state(job_id: str) -> dict:
    if not jobs.JOB_ID.fullmatch(job_id or ""):
        raise BadParameter(f"任务编号应为 16 位十六进制字符，收到「{(job_id or '')[:40]}」")
    state = jobs.read_state(Path(current_app.config["UPLOAD_DIR"]) / job_id)
    if state is None:
        raise NotFound(f"没有上传任务 {job_id}")
    return {k: v for k, v in state.items() if k != "created"}


# --- the API -----------------------------------------------------------------------------------------

def api_upload():
    """POST /api/documents (on the API blueprint, so its rate limit applies)."""
    require_write_token()
    state = receive()
    return jsonify(job_state(state["job_id"])), 202, {"Location": f"/api/jobs/{state['job_id']}"}


def api_job(job_id: str):
    require_write_token()
    return jsonify(job_state(job_id))


# --- the pages ---------------------------------------------------------------------------------------

RECENT_JOBS = 10


def recent_jobs() -> list[dict]:
    """The latest uploads, newest first, for the upload page."""
    root = Path(current_app.config["UPLOAD_DIR"])
    folders = [p for p in root.iterdir() if p.is_dir() and jobs.JOB_ID.fullmatch(p.name)] if root.is_dir() else []
    states = (jobs.read_state(p) for p in sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True))
    return [state for state in states if state][:RECENT_JOBS]


@bp.get("/admin/upload")
def upload_page():
    logged_in = _logged_in()
    return render_template("admin_upload.html", logged_in=logged_in,
                           configured=bool(current_app.config.get("WRITE_TOKEN")), csrf=csrf_token(),
                           limits=Limits(current_app.config), jobs=recent_jobs() if logged_in else [])


@bp.post("/admin/login")
def login():
    _check_form()
    token = current_app.config.get("WRITE_TOKEN")
    given = request.form.get("token", "")
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        raise WriteForbidden("令牌不正确" if token else "未配置 SAFETY_SEARCH_WRITE_TOKEN：上传不可用")
    session.clear()
    session["writer"] = _token_fingerprint()
    session["csrf"] = secrets.token_urlsafe(32)     # a new session, a new CSRF token
    return redirect(url_for("uploads.upload_page"), code=303)


@bp.post("/admin/logout")
def logout():
    _check_form()
    session.clear()
    return redirect(url_for("uploads.upload_page"), code=303)


@bp.post("/admin/upload")
def upload_form():
    _check_form()
    if not _logged_in():
        raise WriteForbidden("请先用令牌登录再上传")
    state = receive()
    return redirect(url_for("uploads.job_page", job_id=state["job_id"]), code=303)


@bp.get("/admin/jobs/<job_id>")
def job_page(job_id: str):
    if not _logged_in():
        abort(403, description="请先在 /admin/upload 用令牌登录")
    return render_template("admin_job.html", job=job_state(job_id))


LOGIN_RATE_LIMIT = "10 per minute"     # guessing a token through the form is slow


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.view_functions["uploads.login"] = app.extensions["rate_limiter"].limit(LOGIN_RATE_LIMIT)(login)
    app.add_template_global(csrf_token)
