"""Every failure becomes a clear Chinese message: JSON `{error, detail}` for the API, a page otherwise.

Never a stack trace: unexpected exceptions are logged and answered with a generic 500.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from index import IndexDamaged, IndexLocked, IndexMissing, IndexOutdated, QueryError
from index.vocabulary import MAX_QUERY_CHARS

from .params import BadParameter
from .searcher import current_holder
from .security import WriteForbidden

HTTP_MESSAGES = {
    400: "请求有误", 403: "禁止访问", 404: "未找到", 405: "不支持该请求方法",
    413: "请求过大", 414: "网址过长", 429: "请求过于频繁，请稍后再试", 431: "请求头过大",
    500: "服务器内部错误", 503: "服务暂不可用",
}
DAMAGED, OUTDATED = "索引损坏", "索引需要重建"
# gunicorn's own ceiling for a request line: longer URLs get the same 414 here as JSON or as the page
MAX_URL_BYTES = 8190


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, detail: str, error: str | None = None):
    error = error or HTTP_MESSAGES.get(status, "请求失败")
    if wants_json():
        response = jsonify(error=error, detail=detail)
    else:
        # the header's search box keeps the query, so a typo is fixed where it was made
        response = render_template("error.html", status=status, error=error, detail=detail,
                                   q=request.args.get("q", "")[:MAX_QUERY_CHARS])
    return response, status


def standalone_error_response(app: Flask, status: int, detail: str, path: str):
    """(status line, headers, body) of the app's error answer for `path`, outside any request the app
    saw (gunicorn's parser rejected it): JSON under /api/, the Chinese error page elsewhere."""
    with app.test_request_context(path):
        response = app.process_response(app.make_response(error_response(status, detail)))
        return response.status, list(response.headers.items()), response.get_data()


def _refuse_long_urls():
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path
    if len(raw.encode("utf-8", "replace")) > MAX_URL_BYTES:
        return error_response(414, f"网址过长（超过 {MAX_URL_BYTES} 字节）：请缩短检索词或减少筛选条件")
    return None


def _refuse_while_damaged():
    if request.endpoint == "static":
        return None          # the error page still gets its stylesheet
    try:
        current_holder().ensure_healthy()
    except IndexDamaged as exc:
        return error_response(503, str(exc), DAMAGED)
    return None


def init_app(app: Flask) -> None:
    app.before_request(_refuse_long_urls)
    app.before_request(_refuse_while_damaged)

    @app.errorhandler(IndexDamaged)
    def damaged(exc):
        current_holder().record_damage(exc)
        return error_response(503, str(exc), DAMAGED)

    @app.errorhandler(IndexOutdated)
    def outdated(exc):
        return error_response(503, str(exc), OUTDATED)

    @app.errorhandler(BadParameter)
    @app.errorhandler(QueryError)
    def bad_parameter(exc):
        return error_response(400, str(exc))

    @app.errorhandler(WriteForbidden)
    def forbidden(exc):
        return error_response(403, str(exc))

    @app.errorhandler(IndexMissing)
    @app.errorhandler(IndexLocked)
    def index_unavailable(exc):
        return error_response(503, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        # Our own aborts carry a Chinese description; werkzeug's defaults are English boilerplate.
        ours = exc.description if exc.description != type(exc).description else None
        if status == 429:
            detail = f"超过接口访问频率限制（{exc.description}），请稍后再试"
        elif ours:
            detail = ours
        elif status == 404:
            detail = f"没有这个地址：{request.path}"
        elif status == 405:
            detail = f"{request.path} 不接受 {request.method} 请求"
        else:
            detail = HTTP_MESSAGES.get(status, "请求失败")
        response, status = error_response(status, detail)
        response = app.make_response((response, status))
        if status == 429:
            response.headers.update({k: v for k, v in exc.get_headers() if k.lower() == "retry-after"})
        return response

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("未处理的异常：%s %s", request.method, request.full_path)
        # unreadable index files raise all sorts of things: if the quick check finds damage, say so
        holder = current_holder()
        try:
            problem = holder.problem_in_folder()
        except Exception:   # the check could not even run: the generic answer below stands
            app.logger.exception("索引检查失败")
            problem = None
        if isinstance(problem, IndexDamaged):
            holder.record_damage(problem)
            return error_response(503, str(problem), DAMAGED)
        return error_response(500, "服务器处理请求时出错，已记录日志")
