"""`python -m bot report ...` and `python -m bot retention ...`: the analysts'
figures on the command line, as JSON or CSV.

    python -m bot report sync [--rebuild]            read new events (progress bar)
    python -m bot report overview  [--from D --to D --kommune K]
                                   [--table summary|days|areas|kommuner|handoffs|hours|weekdays|languages|clicks]
    python -m bot report unresolved [... --reason R]
    python -m bot report groups     [... --reason R]
    python -m bot report satisfaction [...]
    python -m bot report export [--out review/nlu_review.yml]
    python -m bot retention run [--days N]
    python -m bot retention erase CONVERSATION_ID
Every report command reads new events first (`--no-sync` skips that);
`--format json|csv` (default json), `--out FILE` (default standard output).
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.analytics import export as training_export, grouping
from bot.analytics.projection import AnalyticsProjection
from bot.analytics import store as analytics
from bot.stores import retention


def _settings():
    from bot.settings import Settings

    return Settings.from_env()


def _engines(settings):
    from borgerguide.db import engine_for

    return engine_for(settings.database_url), engine_for(settings.events_url)


def sync(settings, rebuild: bool = False, quiet: bool = False) -> int:
    from tqdm import tqdm

    web, events = _engines(settings)
    syncer = AnalyticsProjection(web, events, settings.low_confidence)
    if rebuild:
        total = syncer.pending() + syncer.position()  # an upper bound: ids may have gaps
    else:
        total = syncer.pending()
    with tqdm(total=total, unit="hændelser", desc="Læser hændelser", file=sys.stderr,
              disable=quiet or total == 0) as bar:
        done = syncer.rebuild(bar.update) if rebuild else syncer.run(bar.update)
    return done


def _period(args) -> analytics.Period:
    from borgerguide.clock import danish_today as today

    end = date.fromisoformat(args.to) if args.to else today()
    start = date.fromisoformat(args.start) if args.start else end - timedelta(days=29)
    if start > end:
        raise SystemExit("FEJL: --from skal ligge før --to.")
    return analytics.Period(start, end, args.kommune or None)


def _rows(args, settings) -> List[Dict[str, Any]]:
    web, _ = _engines(settings)
    period = _period(args)
    if args.command == "overview":
        figures = analytics.overview(web, period)
        table = args.table
        if table == "summary":
            keys = ("conversations", "contained", "containment", "handoffs", "handoff_rate", "user_messages",
                    "fallbacks", "fallback_rate", "unresolved")
            return [{"from": period.days[0], "to": period.days[1], "kommune": period.kommune or "alle",
                     **{k: figures[k] for k in keys}}]
        return {"days": figures["per_day"], "areas": figures["top_areas"], "kommuner": figures["per_kommune"],
                "handoffs": figures["handoffs_by_reason"], "hours": figures["per_hour"],
                "weekdays": figures["per_weekday"], "languages": figures["languages"],
                "clicks": figures["clicks_by_area"]}[table]
    if args.command == "satisfaction":
        return analytics.satisfaction(web, period)["per_area"]
    messages = analytics.unresolved_messages(web, period, args.reason or None, labelled=None)
    if args.command == "unresolved":
        return [{**m.public(), "ranking": json.dumps(m.ranking, ensure_ascii=False)} for m in messages]
    groups = grouping.group_messages([m for m in messages if m.label is None])
    return [{"group": g["id"], "size": g["size"], "keywords": " ".join(g["keywords"]),
             "reasons": json.dumps(g["reasons"], ensure_ascii=False),
             "examples": " | ".join(m["text"] for m in g["messages"][:3]),
             "message_ids": ",".join(str(m["id"]) for m in g["messages"])} for g in groups]


def write(rows: List[Dict[str, Any]], fmt: str, out: Optional[str]) -> None:
    if fmt == "csv":
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                                 for k, v in row.items()})
        text = buffer.getvalue()
    else:
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def report(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot report", description="Analysts' reports")
    sub = parser.add_subparsers(dest="command", required=True)
    sync_parser = sub.add_parser("sync", help="read new events from the event store")
    sync_parser.add_argument("--rebuild", action="store_true", help="recompute everything from the stream")
    for name in ("overview", "unresolved", "groups", "satisfaction"):
        p = sub.add_parser(name)
        p.add_argument("--from", dest="start", help="YYYY-MM-DD (default: 30 days before --to)")
        p.add_argument("--to", help="YYYY-MM-DD (default: today)")
        p.add_argument("--kommune")
        p.add_argument("--format", choices=("json", "csv"), default="json")
        p.add_argument("--out")
        p.add_argument("--no-sync", action="store_true")
        if name == "overview":
            p.add_argument("--table", default="summary", choices=(
                "summary", "days", "areas", "kommuner", "handoffs", "hours", "weekdays", "languages", "clicks"))
        if name in ("unresolved", "groups"):
            p.add_argument("--reason", choices=analytics.REASONS)
    export_parser = sub.add_parser("export", help="labelled messages as Rasa NLU YAML for review")
    export_parser.add_argument("--out", default=str(training_export.DEFAULT_OUT))
    args = parser.parse_args(argv)
    settings = _settings()
    try:
        if args.command == "sync":
            done = sync(settings, args.rebuild)
            print(f"{done} hændelser læst.", file=sys.stderr)
            return 0
        if args.command == "export":
            web, _ = _engines(settings)
            result = training_export.export(web, Path(args.out))
            print(json.dumps(result, ensure_ascii=False, indent=2))
            return 0
        if not args.no_sync:
            sync(settings)
        write(_rows(args, settings), args.format, args.out)
    except ValueError as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 1
    return 0


def retention_cli(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot retention", description="Retention and erasure")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="delete or anonymise what is older than the retention period")
    run.add_argument("--days", type=int, help="default: BORGERGUIDE_RETENTION_DAYS (180)")
    erase = sub.add_parser("erase", help="erase one conversation everywhere (right to erasure)")
    erase.add_argument("conversation_id")
    args = parser.parse_args(argv)
    import sqlalchemy as sa

    settings = _settings()
    web, events = _engines(settings)
    stores = retention.Stores(web, events, sa.create_engine(settings.tracker_url, future=True, hide_parameters=True)
                              if settings.tracker_url else None)
    try:
        if args.command == "run":
            result = retention.run_retention(stores, args.days or settings.retention_days, actor="cli")
        else:
            result = retention.erase(stores, args.conversation_id, actor="cli")
    except ValueError as error:
        print(f"FEJL: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0 if args.command == "run" or result["conversations"] else 3
