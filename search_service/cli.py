"""The `safety-search` command line: clean, ingest, remove, search, stats, serve."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

DEFAULT_INDEX = os.environ.get("SAFETY_SEARCH_INDEX", "var/index")
DEFAULT_CORPUS = os.environ.get("SAFETY_SEARCH_CORPUS", str(Path(__file__).resolve().parent.parent / "corpus"))


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_clean(args) -> int:
    import ingest

    try:
        docs = ingest.clean_file(Path(args.file))
    except ingest.SkipFile as exc:
        print(f"跳过 {args.file}：{exc}", file=sys.stderr)
        return 1
    _print_json(docs[0] if len(docs) == 1 else docs)
    return 0


def cmd_ingest(args) -> int:
    import index

    summary = index.ingest_paths([Path(p) for p in args.paths], Path(args.index), progress=not args.quiet)
    print(summary.report())
    return 1 if summary.skipped or summary.problems else 0


def cmd_remove(args) -> int:
    import index

    if index.remove(Path(args.index), args.doc_id):
        print(f"已删除 {args.doc_id}")
        return 0
    print(f"索引中没有文档 {args.doc_id}", file=sys.stderr)
    return 1


def _filters(args) -> dict:
    return {k: v for k, v in {
        "year": args.year, "year_from": args.year_from, "year_to": args.year_to,
        "province": args.province, "city": args.city, "county": args.county,
        "level": args.level, "doc_type": args.doc_type, "topic": args.topic,
        "region": args.region,
    }.items() if v not in (None, "")}


def cmd_search(args) -> int:
    import index

    try:
        result = index.SearchIndex(Path(args.index)).search(
            args.query, filters=_filters(args), sort=args.sort, page=args.page, per_page=args.per_page,
            explain=args.explain)
    except index.QueryError as exc:
        print(f"查询有误：{exc}", file=sys.stderr)
        return 2
    if args.json:
        _print_json(result)
    else:
        print(index.format_results(result))
    return 0


def cmd_stats(args) -> int:
    import index

    stats = index.SearchIndex(Path(args.index)).stats()
    if args.json:
        _print_json(stats)
    else:
        print(index.format_stats(stats))
    return 0


def cmd_serve(args) -> int:
    from search_service.server import serve

    return serve(index_dir=Path(args.index), corpus=Path(args.corpus), host=args.host,
                 port=args.port, workers=args.workers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="safety-search", description="安全生产知识检索")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("clean", help="清洗一个文件，输出 JSON 文档")
    p.add_argument("file")
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("ingest", help="把文件或文件夹导入索引")
    p.add_argument("paths", nargs="+")
    p.add_argument("--index", default=DEFAULT_INDEX)
    p.add_argument("--quiet", action="store_true", help="不显示进度条")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("remove", help="从索引删除一篇文档")
    p.add_argument("doc_id")
    p.add_argument("--index", default=DEFAULT_INDEX)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("search", help="检索")
    p.add_argument("query")
    p.add_argument("--index", default=DEFAULT_INDEX)
    for name in ("province", "city", "county", "level", "doc_type", "topic", "region"):
        p.add_argument(f"--{name.replace('_', '-')}", dest=name)
    p.add_argument("--year", type=int)
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--per-page", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.add_argument("--explain", action="store_true", help="列出每条结果得分的组成")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("stats", help="各分面的文档数")
    p.add_argument("--index", default=DEFAULT_INDEX)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("serve", help="启动检索服务（首次启动时从语料建索引）")
    p.add_argument("--index", default=DEFAULT_INDEX)
    p.add_argument("--corpus", default=DEFAULT_CORPUS)
    p.add_argument("--host", default=os.environ.get("SAFETY_SEARCH_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("SAFETY_SEARCH_PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("SAFETY_SEARCH_WORKERS", "2")))
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
