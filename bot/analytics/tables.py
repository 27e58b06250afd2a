"""The figures as tables with Danish headers: what the overview page shows
under its charts, and what an analyst downloads as CSV (the same numbers).

CSV: separated by semicolons with a byte-order mark, so Danish Excel opens it
as columns with æ, ø and å intact; shares as percent with a decimal comma.
No personal data: only counts, names of areas, kommuner and languages.
A text cell that a spreadsheet would read as a formula (starting with = + - @,
a tab or a carriage return) gets a leading apostrophe.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from bot.analytics.store import REASONS_DA

TEXT, COUNT, SHARE, DURATION = "text", "count", "share", "duration"  # a duration in seconds
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    key: str  # its name in the download's address (?tabel=...)
    title: str
    columns: Tuple[Tuple[str, str], ...]  # (Danish header, kind)
    rows: Tuple[Tuple[Any, ...], ...]

    def cells(self, style: Callable[[Any, str], str]) -> List[List[str]]:
        return [[style(value, kind) for value, (_, kind) in zip(row, self.columns, strict=True)] for row in self.rows]


def on_screen(value: Any, kind: str) -> str:
    """A cell as the page shows it."""
    if value is None:
        return "–"
    if kind == SHARE:
        return f"{value * 100:.0f} %"
    if kind == DURATION:
        return waited(value)
    return str(value)


def waited(seconds: Optional[float]) -> str:
    """A waiting time as a person reads it: "40 sek.", "3,5 min", "2 t 5 min"."""
    if seconds is None:
        return "–"
    minutes = seconds / 60
    if minutes < 1:
        return f"{round(seconds)} sek."
    if minutes < 60:
        return f"{minutes:.1f}".replace(".", ",") + " min"
    return f"{int(minutes // 60)} t {round(minutes % 60)} min"


def in_csv(value: Any, kind: str) -> str:
    """A cell as the CSV file has it: numbers a spreadsheet reads, never a formula."""
    if value is None:
        return ""
    if kind == SHARE:
        return f"{value * 100:.1f}".replace(".", ",")
    if kind == DURATION:
        return f"{value / 60:.1f}".replace(".", ",")  # minutes
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(table: Table) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([in_csv(header + (" (minutter)" if kind == DURATION else ""), TEXT)
                     for header, kind in table.columns])
    writer.writerows(table.cells(in_csv))
    return buffer.getvalue()


def _table(key: str, title: str, columns: Sequence[Tuple[str, str]], rows: Sequence[Sequence[Any]]) -> Table:
    return Table(key, title, tuple(columns), tuple(tuple(row) for row in rows))


def tables(figures: Dict[str, Any], handoffs: Dict[str, Any],
           kommune_names: Optional[Dict[str, str]] = None) -> Dict[str, Table]:
    """Every table of the overview, by its key, in the page's order."""
    kommune_names = kommune_names or {}
    ratings = {r["area"]: r for r in figures.get("satisfaction", {}).get("per_area", [])}
    built = [
        _table("omraader", "Samtaler pr. område", [("Område", TEXT), ("Samtaler", COUNT), ("Løst af botten", COUNT),
                                        ("Andel løst af botten", SHARE), ("Overdraget", COUNT),
                                        ("Beskeder ikke forstået", COUNT), ("Uløste beskeder", COUNT),
                                        ("Gns. vurdering (1-5)", TEXT)],
               [(a["name"], a["conversations"], a["contained"], a["containment"], a["handed_off"], a["fallbacks"],
                 a["unresolved"], ratings[a["area"]]["average"] if a["area"] in ratings else None)
                for a in figures["top_areas"]]),
        _table("dage", "Samtaler pr. dag", [("Dag", TEXT), ("Samtaler", COUNT), ("Løst af botten", COUNT),
                                              ("Overdraget", COUNT), ("Beskeder ikke forstået", COUNT)],
               [(d["day"], d["conversations"], d["contained"], d["handoffs"], d["fallbacks"])
                for d in figures["per_day"]]),
        _table("timer", "Pr. time (dansk tid)", [("Klokkeslæt", TEXT), ("Samtaler startet", COUNT),
                                               ("Bad om en medarbejder", COUNT)],
               [(f"{h['hour']:02d}-{(h['hour'] + 1) % 24:02d}", h["conversations"], h["handoffs"])
                for h in figures["per_hour"]]),
        _table("ugedage", "Pr. ugedag", [("Ugedag", TEXT), ("Samtaler startet", COUNT),
                                       ("Bad om en medarbejder", COUNT)],
               [(w["name"], w["conversations"], w["handoffs"]) for w in figures["per_weekday"]]),
        _table("ventetid", "Ventetid på en medarbejder",
               [("Måde", TEXT), ("Henvendelser taget", COUNT), ("Median", DURATION),
                ("9 ud af 10 ventede højst", DURATION)],
               [("Alle", handoffs["wait"]["count"], handoffs["wait"]["median_seconds"],
                 handoffs["wait"]["p90_seconds"])]
               + [(m["name"], m["count"], m["median_seconds"], m["p90_seconds"]) for m in handoffs["wait_by_mode"]]),
        _table("udfald", "Sådan endte overdragelserne", [("Udfald", TEXT), ("Henvendelser", COUNT)],
               [(o["name"], o["count"]) for o in handoffs["outcomes"]]),
        _table("aarsager", "Overdragelser efter årsag", [("Årsag", TEXT), ("Overdragelser", COUNT)],
               [(r["name"], r["count"]) for r in figures["handoffs_by_reason"]]),
        _table("klik", "Klik pr. område", [("Område", TEXT), ("Klik", COUNT),
                                                         ("Samtaler løst af botten", COUNT)],
               [(c["name"], c["clicks"], c["contained"]) for c in figures["clicks_by_area"]]),
        _table("sprog", "Samtaler pr. sprog", [("Sprog", TEXT), ("Samtaler", COUNT), ("Andel", SHARE)],
               [(lang["name"], lang["conversations"], lang["share"]) for lang in figures["languages"]]),
        _table("uloeste", "Uløste beskeder pr. årsag", [("Årsag", TEXT), ("Beskeder", COUNT)],
               [(name, figures["unresolved_by_reason"].get(reason, 0)) for reason, name in REASONS_DA.items()]),
        _table("kommuner", "Samtaler pr. kommune", [("Kommune", TEXT), ("Samtaler", COUNT), ("Løst af botten", COUNT),
                                         ("Andel løst af botten", SHARE), ("Overdraget", COUNT),
                                         ("Beskeder ikke forstået", COUNT)],
               [(kommune_names.get(k["kommune"], k["kommune"]), k["conversations"], k["contained"], k["containment"],
                 k["handed_off"], k["fallbacks"]) for k in figures["per_kommune"]]),
    ]
    return {table.key: table for table in built}
