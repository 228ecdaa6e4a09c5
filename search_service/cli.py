"""The `safety-search` command line: clean, ingest, remove, search, export, stats, check, reindex, backup,
restore, serve.

Every command ends in a Chinese message and one of the exit statuses of status.py (README, 退出状态);
no traceback reaches the user unless `--debug` is given.
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from pathlib import Path

from index import vocabulary

from . import settings as settings_module
from .status import Exit, exit_status


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _show(data: dict, as_json: bool, as_text) -> int:
    """`data` as JSON (--json) or as the text `as_text(data)` gives."""
    if as_json:
        _print_json(data)
    else:
        print(as_text(data))
    return Exit.OK


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_clean(args) -> int:
    import ingest

    try:
        docs = ingest.clean_file(Path(args.file))
    except ingest.SkipFile as exc:
        _say(f"跳过 {args.file}：{exc}")
        return Exit.PARTIAL
    _print_json(docs[0] if len(docs) == 1 else docs)
    return Exit.OK


def cmd_ingest(args) -> int:
    import index

    summary = index.ingest_paths([Path(p) for p in args.paths], Path(args.index), progress=not args.quiet,
                                 lock_timeout=args.settings.lock_timeout, on_wait=_say)
    print(summary.report())
    return Exit.PARTIAL if summary.skipped or summary.problems else Exit.OK


def cmd_remove(args) -> int:
    import index

    if index.remove(Path(args.index), args.doc_id, lock_timeout=args.settings.lock_timeout, on_wait=_say):
        print(f"已删除 {args.doc_id}")
        return Exit.OK
    _say(f"索引 {args.index} 中没有文档 {args.doc_id}：用 safety-search search 查到文档编号后再删除")
    return Exit.PARTIAL


# the filters given as text options (the year ones take numbers); region matches any level
TEXT_FILTERS = tuple(name for name in vocabulary.FACETS if name != "year") + ("region",)


def _filters(args) -> dict:
    """Index filters from the options; a repeated option is a list (either value), 未知 the missing bucket."""
    filters = {name: getattr(args, name) for name in ("year", "year_from", "year_to") + TEXT_FILTERS
               if getattr(args, name) not in (None, "", [])}
    for name in vocabulary.UNKNOWN_BUCKETS:
        if name in filters:
            filters[name] = [None if v == vocabulary.UNKNOWN else v for v in filters[name]]
    return filters


def cmd_search(args) -> int:
    import index

    from .formatting import format_results

    result = index.SearchIndex(Path(args.index)).search(
        args.query, filters=_filters(args), sort=args.sort, page=args.page, per_page=args.per_page,
        explain=args.explain)
    return _show(result, args.json, format_results)


def cmd_export(args) -> int:
    import index
    from search_service.exports import MAX_ROWS, csv_chunks, export_rows, link_maker, write_xlsx

    out = Path(args.out)
    if out.is_dir():
        _say(f"--out {out} 是一个文件夹：请给出文件名（如 结果.{args.format}）")
        return Exit.USAGE
    total, rows = export_rows(index.SearchIndex(Path(args.index)), args.query, _filters(args), [], args.sort,
                              link_maker(args.base_url))
    partial = out.with_name(out.name + ".part")    # a failed export never leaves a half file under the name
    try:
        with partial.open("wb") as f:
            if args.format == "csv":
                for chunk in csv_chunks(rows):
                    f.write(chunk)
            else:
                write_xlsx(rows, f)
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    note = f"（共 {total} 篇，只导出前 {MAX_ROWS} 篇）" if total > MAX_ROWS else ""
    _say(f"已导出 {min(total, MAX_ROWS)} 篇文档到 {out}{note}")
    return Exit.OK


def cmd_stats(args) -> int:
    import index

    from .formatting import format_stats

    return _show(index.SearchIndex(Path(args.index)).stats(), args.json, format_stats)


def cmd_check(args) -> int:
    import index

    report = index.check(Path(args.index), full=not args.quick)
    print(report.text())
    return Exit.OK if report.ok else exit_status(report.problem())


def cmd_reindex(args) -> int:
    import index

    outcome = index.reindex(Path(args.index), progress=not args.quiet, lock_timeout=args.settings.lock_timeout,
                            on_wait=_say)
    print(f"重建完成：索引 {outcome.index_dir}，{outcome.documents} 篇文档，用时 {outcome.seconds:.1f} 秒"
          + (f"；{outcome.note}" if outcome.note else ""))
    return Exit.OK


def cmd_backup(args) -> int:
    import index

    outcome = index.backup(Path(args.index), Path(args.dir))
    print(f"备份完成：{args.index} 第 {outcome.generation} 次提交的 {outcome.documents} 篇文档已写入 {outcome.index_dir}"
          f"（已通过检查，用时 {outcome.seconds:.1f} 秒）；恢复：safety-search restore {outcome.index_dir} --index {args.index}")
    return Exit.OK


def cmd_restore(args) -> int:
    import index

    outcome = index.restore(Path(args.dir), Path(args.index), progress=not args.quiet,
                            lock_timeout=args.settings.lock_timeout, on_wait=_say)
    print(f"恢复完成：索引 {outcome.index_dir} 现为备份 {args.dir} 的 {outcome.documents} 篇文档"
          + (f"；{outcome.note}" if outcome.note else ""))
    return Exit.OK


def cmd_serve(args) -> int:
    from search_service.server import serve

    return serve(index_dir=Path(args.index), corpus=Path(args.corpus), host=args.host, port=args.port,
                 workers=args.workers, build=args.build or args.index_is_default, settings=args.settings)


def _bounded(low: int, high: int):
    """An argparse type: an integer from `low` to `high`, refused in Chinese otherwise."""
    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"应为 {low} 到 {high} 之间的整数，收到「{text[:40]}」")
        return int(text)
    return parse


def _year_bound(text: str) -> int:
    return _bounded(vocabulary.YEAR_MIN, vocabulary.YEAR_MAX)(text)


def _year(text: str) -> int | str:
    """A year, or 未知 (the documents without one)."""
    return text if text == vocabulary.UNKNOWN else _year_bound(text)


def _add_search_arguments(p) -> None:
    """The query and its filters, shared by search and export. A filter given twice matches either value."""
    p.add_argument("query")
    missing = f"；{vocabulary.UNKNOWN} 表示缺失"
    for name in TEXT_FILTERS:
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, action="append",
                       help="可重复，任一值即可" + (missing if name in vocabulary.UNKNOWN_BUCKETS else ""))
    p.add_argument("--year", type=_year, action="append", help=f"可重复，任一年份即可；{vocabulary.UNKNOWN} 表示年份不详")
    p.add_argument("--year-from", type=_year_bound)
    p.add_argument("--year-to", type=_year_bound)
    p.add_argument("--sort", choices=vocabulary.SORTS, default="relevance",
                   help="、".join(vocabulary.SORT_LABELS.values()))


class Parser(argparse.ArgumentParser):
    """argparse with its complaints said in Chinese (the detail stays argparse's own)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(Exit.USAGE, f"用法有误：{message}\n运行 {self.prog} --help 查看用法\n")


def build_parser(settings: settings_module.Settings) -> argparse.ArgumentParser:
    parser = Parser(prog="safety-search", description="安全生产知识检索")
    parser.add_argument("--debug", action="store_true", help="出错时显示 Python 调用栈（报告问题时用）")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    def with_index(p):
        p.add_argument("--index", default=None, help=f"索引目录（默认 {settings.index}，环境变量 SAFETY_SEARCH_INDEX）")
        return p

    def with_progress(p):
        p.add_argument("--quiet", action="store_true", help="不显示进度条")
        return p

    p = sub.add_parser("clean", help="清洗一个文件，输出 JSON 文档")
    p.add_argument("file")
    p.set_defaults(func=cmd_clean)

    p = with_progress(with_index(sub.add_parser("ingest", help="把文件或文件夹导入索引")))
    p.add_argument("paths", nargs="+")
    p.set_defaults(func=cmd_ingest)

    p = with_index(sub.add_parser("remove", help="从索引删除一篇文档"))
    p.add_argument("doc_id")
    p.set_defaults(func=cmd_remove)

    p = with_index(sub.add_parser("search", help="检索"))
    _add_search_arguments(p)
    p.add_argument("--page", type=_bounded(1, vocabulary.MAX_DEPTH), default=1)
    p.add_argument("--per-page", type=_bounded(1, vocabulary.MAX_PER_PAGE), default=vocabulary.DEFAULT_PER_PAGE)
    p.add_argument("--json", action="store_true")
    p.add_argument("--explain", action="store_true", help="列出每条结果得分的组成")
    p.set_defaults(func=cmd_search)

    p = with_index(sub.add_parser("export", help="把检索到的全部文档（最多 5000 篇）导出为 CSV 或 Excel"))
    _add_search_arguments(p)
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--out", required=True, help="输出文件")
    p.add_argument("--base-url", default=settings.base_url, help="链接列所用的检索服务地址（SAFETY_SEARCH_BASE_URL）")
    p.set_defaults(func=cmd_export)

    p = with_index(sub.add_parser("stats", help="各分面的文档数"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = with_index(sub.add_parser("check", help="检查索引是否完好（文件、校验和、文档库、版本）"))
    p.add_argument("--quick", action="store_true", help="只做启动时的快速检查")
    p.set_defaults(func=cmd_check)

    p = with_progress(with_index(sub.add_parser("reindex", help="用文档库中的文档重建检索索引（换版本后或索引损坏时）")))
    p.set_defaults(func=cmd_reindex)

    p = with_index(sub.add_parser("backup", help="把索引的一致快照备份到新目录（服务与导入可照常运行）"))
    p.add_argument("dir")
    p.set_defaults(func=cmd_backup)

    p = with_progress(with_index(sub.add_parser("restore", help="用备份目录替换索引（先检查备份）")))
    p.add_argument("dir")
    p.set_defaults(func=cmd_restore)

    p = with_index(sub.add_parser("serve", help="启动检索服务（默认索引目录首次启动时从语料建索引）"))
    p.add_argument("--corpus", default=str(settings.corpus))
    p.add_argument("--build", action="store_true", help="索引目录中没有索引时，从语料新建")
    p.add_argument("--host", default=settings.host)
    p.add_argument("--port", type=_bounded(0, 65535), default=settings.port, help="0：任取一个空闲端口")
    p.add_argument("--workers", type=_bounded(1, settings_module.MAX_WORKERS), default=settings.workers)
    p.set_defaults(func=cmd_serve)
    return parser


# errno -> (what happened, what to do)
_FILE_ERRORS = {
    errno.EROFS: ("文件系统只读", "检索照常可用；要写入请把索引复制到可写的位置，或用 --index 指定另一个目录"),
    errno.EACCES: ("没有权限", "请以有权限的用户运行，或用 --index 指定另一个目录"),
    errno.EPERM: ("不允许的操作", "请以有权限的用户运行，或用 --index 指定另一个目录"),
    errno.ENOSPC: ("磁盘已满", "请清理空间后重试（已提交的部分保留在索引中）"),
    errno.EDQUOT: ("超出磁盘配额", "请清理空间后重试（已提交的部分保留在索引中）"),
    errno.ENOENT: ("路径不存在，也无法创建", "请检查路径是否写错，或用 --index 指定另一个目录"),
    errno.ENOTDIR: ("路径中有一段不是目录", "请检查路径是否写错"),
}


def _message(exc: BaseException, args) -> str:
    import index

    if isinstance(exc, index.QueryError):
        return f"查询有误：{exc}"
    if isinstance(exc, index.IndexMissing) and getattr(args, "index_given", True) is False:
        return (f"{exc}（未指定 --index，用的是默认目录 {Path(args.index).absolute()}；"
                "可用 --index 或环境变量 SAFETY_SEARCH_INDEX 指定）")
    if isinstance(exc, (index.IndexProblem, index.IndexLocked, FileExistsError)):
        return str(exc)
    if isinstance(exc, OSError):
        reason, advice = _FILE_ERRORS.get(exc.errno, (exc.strerror or type(exc).__name__,
                                                      "请检查该路径是否存在、可写且有剩余空间"))
        if args.command == "backup":     # the destination, not the index, is what failed
            return f"无法写入备份目录 {args.dir}：{reason}。请换一个可写、空间足够的目录"
        verb = "写入" if exc.errno in (errno.EROFS, errno.ENOSPC, errno.EDQUOT) else "访问"
        return f"无法{verb} {exc.filename or getattr(args, 'index', '')}：{reason}。{advice}"
    return (f"内部错误（{type(exc).__name__}：{str(exc)[:200]}）。"
            "请加 --debug 重新运行，把显示的调用栈报告给维护者")


def _damage_behind(exc: BaseException, args) -> BaseException:
    """An unexpected error while using an index is usually damage: ask the check, say what it found."""
    if getattr(args, "index", None) is None or exit_status(exc) != Exit.INTERNAL:
        return exc
    import index

    try:
        report = index.check(Path(args.index), full=False)
    except Exception:   # the check itself failing tells nothing more
        return exc
    return report.problem() or exc


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]     # accepted anywhere on the line
    try:
        settings = settings_module.load()
    except settings_module.SettingError as exc:
        if debug:
            raise
        _say(f"设置有误：{exc}")
        return Exit.USAGE
    args = build_parser(settings).parse_args(argv)
    args.settings, args.debug = settings, debug
    if hasattr(args, "index"):
        given = args.index
        args.index = str(settings.index) if given is None else given
        args.index_given = given is not None
        args.index_is_default = given is None or Path(given).resolve() == settings.index.resolve()
    try:
        return args.func(args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        _say("已中断（已提交的部分保留在索引中，可重新运行继续）")
        return Exit.INTERRUPTED
    except BrokenPipeError:      # `safety-search search x | head`: the reader had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return Exit.OK
    except Exception as exc:
        if args.debug:
            raise
        exc = _damage_behind(exc, args)
        _say(_message(exc, args))
        return exit_status(exc)


if __name__ == "__main__":
    sys.exit(main())
