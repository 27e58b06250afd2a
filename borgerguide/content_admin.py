"""What a kommune's administrator may edit, what each field overrides, how
its input is checked (in Danish), and how a card will look.

The fields are dotted paths into the kommune's content (borgerguide.kommuner):
Borgerservice's contact, opening and phone hours, special days; for every
solution of the catalogue and every topic its local page, steps, intro and
its own answers to every question type of the answer base (content/questions.yml:
cost, duration, ..., status), in Danish and, optionally, in each other language
(`<matter>.lang.<code>.faq.<type>`: a conversation in that language gets it; without
one it gets the national answer in its language, never the kommune's Danish one);
the widget's allowed sites. Each field knows the
national default it overrides, so the pages can show it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from borgerguide.answers import answer_for, question_types
from borgerguide.catalogue import load_catalogue
from borgerguide.content import content_dir, read_yaml
from borgerguide.kommune_content import REMOVE, flatten, unflatten, url_problem
from borgerguide.kommuner import (
    CRISIS_SHORT_NUMBERS, DEFAULT_ID, is_danish_phone, kommune_path, load_kommune, merge, own_content, phone_digits,
    registry, validate_kommune,
)
from borgerguide.languages import default_language, languages
from borgerguide.links import origin_problem
from borgerguide.opening_hours import (
    WEEKDAY_DA, WEEKDAYS, coming_days, date_da, hours_text, parse_hours, special_day,
)
from borgerguide.topics import load_topics
from borgerguide.translations import answer_in

EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
MAX_STEPS = 6
MAX_STEP = 200
MAX_INTRO = 400
MAX_NOTE = 80
SOCIAL_PHONE = "borgerservice.social_emergency_phone"
SPECIAL_DAYS = "borgerservice.special_days"
WEEK_PLANS = {"opening_hours": "åbningstiden", "phone_hours": "telefontiden"}
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y")


@dataclass(frozen=True)
class FieldSpec:
    path: str
    label: str
    kind: str  # text, phone, email, url, hours, days, bool, steps, intro, answer, origins
    section: str
    default: Any = None  # the national value this field overrides
    crisis_line: bool = False  # a phone that may be a short national crisis number (114)


def _national_borgerservice() -> Dict[str, Any]:
    return dict(read_yaml(kommune_path(DEFAULT_ID)).get("borgerservice") or {})


def answer_specs(prefix: str, matter: str, title: str, section: str) -> List[FieldSpec]:
    """The kommune's own answers about one matter: every question type, in
    Danish and in each other language; the default is the national answer
    (what citizens get without the kommune's own)."""
    specs = []
    kinds = question_types()
    for key, kind in kinds.items():
        national = answer_for(matter, key)
        specs.append(FieldSpec(f"{prefix}.faq.{key}", f"{title}: {kind.name}", "answer", section,
                               national.text if national.kind != "unknown" else None))
    for code, language in languages().items():
        if code == default_language():
            continue
        for key, kind in kinds.items():
            national = answer_in(matter, key, code)
            label = f"{title}: {kind.name} – på {language.staff.lower()}"
            specs.append(FieldSpec(f"{prefix}.lang.{code}.faq.{key}", label, "answer", section,
                                   national.text if national.kind != "unknown" else None))
    return specs


def field_specs() -> List[FieldSpec]:
    """Every field a kommune may set, with the national default (built once
    per version of the content files: the answers' defaults take a while)."""
    stamp = max((path.stat().st_mtime_ns for path in content_dir().rglob("*.yml")), default=0)
    return list(_field_specs(str(content_dir()), stamp))


@lru_cache(maxsize=2)
def _field_specs(directory: str, stamp: int) -> Tuple[FieldSpec, ...]:
    return tuple(_build_field_specs())


def _build_field_specs() -> List[FieldSpec]:
    national = _national_borgerservice()
    specs = [
        FieldSpec("borgerservice.phone", "Telefon til Borgerservice", "phone", "kontakt", national.get("phone")),
        FieldSpec("borgerservice.email", "E-mail til Borgerservice", "email", "kontakt", national.get("email")),
        FieldSpec("borgerservice.address", "Adresse", "text", "kontakt", national.get("address")),
        FieldSpec("borgerservice.booking_url", "Bestil tid (link)", "url", "kontakt", national.get("booking_url")),
        FieldSpec("borgerservice.contact_url", "Kontaktside (link)", "url", "kontakt", national.get("contact_url")),
        FieldSpec(SOCIAL_PHONE, "Socialvagt (akut telefon)", "phone", "kontakt", None, crisis_line=True),
        FieldSpec("borgerservice.opening_hours_text", "Åbningstider som tekst (når ugeplanen ikke er udfyldt)",
                  "text", "kontakt", national.get("opening_hours_text")),
    ]
    for kind, label in (("opening_hours", "Åbningstid"), ("phone_hours", "Telefontid")):
        specs += [FieldSpec(f"borgerservice.{kind}.{day}", f"{label} {WEEKDAY_DA[i]}", "hours", "tider", None)
                  for i, day in enumerate(WEEKDAYS)]
    specs += [
        FieldSpec("borgerservice.closed_on_public_holidays", "Lukket på helligdage", "bool", "tider", True),
        FieldSpec(SPECIAL_DAYS, "Særlige dage", "days", "tider", None),
    ]
    for solution in load_catalogue().solutions.values():
        prefix = f"solutions.{solution.id}"
        specs += [
            FieldSpec(f"{prefix}.url", f"{solution.title}: kommunens side", "url", "løsninger", solution.url),
            FieldSpec(f"{prefix}.intro", f"{solution.title}: indledning", "intro", "løsninger", solution.intro),
            FieldSpec(f"{prefix}.steps", f"{solution.title}: trin", "steps", "løsninger", list(solution.steps)),
        ]
        specs += answer_specs(prefix, solution.id, solution.title, "løsninger")
    for topic in load_topics().values():
        prefix = f"topics.{topic.id}"
        specs += [
            FieldSpec(f"{prefix}.url", f"{topic.name}: kommunens side", "url", "emner",
                      topic.url or "(kommunens hjemmeside)"),
            FieldSpec(f"{prefix}.intro", f"{topic.name}: indledning", "intro", "emner", topic.intro),
            FieldSpec(f"{prefix}.steps", f"{topic.name}: trin", "steps", "emner", list(topic.steps)),
        ]
        specs += answer_specs(prefix, topic.id, topic.name, "emner")
    specs.append(FieldSpec("widget_origins", "Sider, der må vise chatten (én pr. linje, fx https://www.kommune.dk)",
                           "origins", "widget", []))
    return specs


def spec_by_path() -> Dict[str, FieldSpec]:
    return {spec.path: spec for spec in field_specs()}


def _lines(raw: Any) -> List[str]:
    if isinstance(raw, list):
        return [str(line).strip() for line in raw if str(line).strip()]
    return [line.strip() for line in str(raw or "").splitlines() if line.strip()]


def phone_problem(text: str, crisis_line: bool) -> Optional[str]:
    """Why `text` is not a phone number the citizen can call (Danish), or None."""
    if is_danish_phone(text, crisis_line):
        return None
    digits = phone_digits(text)
    counted = f" '{text}' har {len(digits)} cifre." if digits else ""
    also = f" (eller {' / '.join(CRISIS_SHORT_NUMBERS)})" if crisis_line else ""
    return f"Skriv et telefonnummer med 8 cifre{also}, fx 89 40 22 22.{counted}"


def parse_hours_text(text: Any) -> Any:
    """A day's hours as typed ("10-15" refused; "10.00-12.00 og 13:00-15:00", "lukket") -> the stored form."""
    folded = " ".join(str(text or "").split()).lower()
    if folded in ("lukket", "closed"):
        return "closed"
    parts = [part.strip().replace(".", ":").replace(" ", "") for part in folded.replace(" og ", ",").split(",")
             if part.strip()]
    try:
        parse_hours(parts)
    except ValueError:
        raise ValueError("Skriv tiden som 10:00-15:00, flere med komma (10:00-12:00, 13:00-15:00), "
                         "eller 'lukket'.")
    return parts[0] if len(parts) == 1 else parts


def parse_date(text: str) -> date:
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), form).date()
        except ValueError:
            continue
    raise ValueError(text)


DayRow = Tuple[str, Any, str, str]  # date, hours, note, as typed


def day_rows(raw: Any) -> List[DayRow]:
    """The special days as rows, from the form's rows ([{"date", "hours", "note"}]), a mapping
    (date -> hours or {"hours", "note"}) or lines ("2026-12-24: lukket (juleaften)")."""
    if isinstance(raw, Mapping):
        return [(str(day), *special_day(value), str(day)) for day, value in raw.items()]  # type: ignore[misc]
    if isinstance(raw, list) and all(isinstance(row, Mapping) for row in raw):
        return [(str(row.get("date") or ""), row.get("hours"), str(row.get("note") or ""), str(row.get("date") or ""))
                for row in raw]
    rows = []
    for line in _lines(raw):
        day, _, rest = line.partition(":")
        note = re.search(r"\(([^()]*)\)\s*$", rest)
        rows.append((day, rest[:note.start()] if note else rest, note.group(1) if note else "", line))
    return rows


def parse_days(raw: Any) -> Dict[str, Any]:
    """The special days to store: "YYYY-MM-DD" -> hours, or {"hours", "note"} when there is a note."""
    days: Dict[str, Any] = {}
    for day, hours, note, typed in day_rows(raw):
        note = " ".join(str(note or "").split())
        given = bool(hours) if isinstance(hours, list) else bool(str(hours or "").strip())
        if not day.strip() and not given and not note:
            continue  # an empty row of the form
        try:
            when = parse_date(day)
        except ValueError:
            raise ValueError(f"'{typed or '(ingen dato)'}': skriv datoen som 2026-12-24, fx '2026-12-24: lukket'.")
        if not given:
            raise ValueError(f"{date_da(when)}: skriv 'lukket' eller tiden, fx 10:00-12:00.")
        try:
            value = parse_hours_text(", ".join(hours) if isinstance(hours, list) else hours)
        except ValueError as error:
            raise ValueError(f"{date_da(when)}: {error}")
        if len(note) > MAX_NOTE:
            raise ValueError(f"{date_da(when)}: skriv en kort note (højst {MAX_NOTE} tegn).")
        days[when.isoformat()] = {"hours": value, "note": note} if note else value
    return days


def parse_value(spec: FieldSpec, raw: Any, website: Optional[str]) -> Any:
    """The value to store for an admin's input; None removes the override
    (the national default applies). ValueError with a Danish message."""
    if spec.kind == "bool":
        return raw in (True, "true", "on", "ja", "1", 1)
    if spec.kind == "days":
        return parse_days(raw) or None
    if spec.kind in ("steps", "origins"):
        lines = _lines(raw)
        if not lines:
            return None
    else:
        text = " ".join(str(raw or "").split())
        if not text:
            return None
    if spec.kind == "phone":
        problem = phone_problem(text, spec.crisis_line)
        if problem:
            raise ValueError(problem)
        return text
    if spec.kind == "email":
        if not EMAIL.match(text):
            raise ValueError("Skriv en e-mailadresse, fx borgerservice@kommune.dk.")
        return text
    if spec.kind == "url":
        problem = url_problem(text, website)
        if problem:
            raise ValueError(problem)
        return text
    if spec.kind == "hours":
        return parse_hours_text(text)
    if spec.kind == "steps":
        if len(lines) > MAX_STEPS or any(len(line) > MAX_STEP for line in lines):
            raise ValueError(f"Højst {MAX_STEPS} trin, hvert på højst {MAX_STEP} tegn. Skriv kort.")
        return lines
    if spec.kind == "origins":
        for line in lines:
            problem = origin_problem(line)
            if problem:
                raise ValueError(f"'{line}': {problem}")
        return [line.rstrip("/") for line in lines]
    if spec.kind in ("intro", "answer") and len(text) > MAX_INTRO:
        raise ValueError(f"Højst {MAX_INTRO} tegn. Skriv kort og klart.")
    return text


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, ensure_ascii=False) == json.dumps(b, sort_keys=True, ensure_ascii=False)


def prepare_changes(kommune_id: str, raw: Mapping[str, Any]) -> Tuple[Dict[str, Any], Dict[str, str]]:
    """The changes to store (path -> value, or REMOVE) and the problems (path ->
    Danish message). Only what differs from the kommune's content now is a
    change: a field sent back as it was (or left empty where it was empty, or
    a box left at its default) is none. A day table replaces the kommune's
    special days."""
    specs = spec_by_path()
    info = registry().get(kommune_id)
    website = info.website if info else None
    current = flatten(own_content(kommune_id))
    changes: Dict[str, Any] = {}
    problems: Dict[str, str] = {}
    for path, value in raw.items():
        spec = specs.get(path)
        if spec is None:
            problems[path] = "Det felt findes ikke."
            continue
        try:
            parsed = parse_value(spec, value, website)
        except ValueError as error:
            problems[path] = str(error)
            continue
        if spec.kind == "days":  # stored one day per field
            old_days = {p[len(path) + 1:].split(".")[0]: p for p in current if p.startswith(path + ".")}
            own = (((own_content(kommune_id).get("borgerservice") or {}).get("special_days")) or {})
            for day, old_path in old_days.items():
                if day not in (parsed or {}):
                    changes[old_path] = REMOVE
            for day, hours in (parsed or {}).items():
                if day not in own or not _same(own[day], hours):
                    for old_path in [p for p in current if p.startswith(f"{path}.{day}.")]:
                        changes[old_path] = REMOVE
                    changes[f"{path}.{day}"] = hours
        elif parsed is None:  # an empty field: the national default applies again
            if path in current and not _empty(current[path]):
                changes[path] = REMOVE
        elif spec.kind == "bool" and current.get(path) is None and parsed == spec.default:
            continue  # the box left as the default shows it
        elif not _same(current.get(path), parsed):
            changes[path] = parsed
    for path in [p for p, v in changes.items() if v is not REMOVE]:  # a value where its parent was null
        parts = path.split(".")
        for ancestor in (".".join(parts[:i]) for i in range(1, len(parts))):
            if ancestor in current:
                changes[ancestor] = REMOVE
    if not problems:
        problems.update(_whole_content_problems(kommune_id, current, changes))
    return changes, problems


def confirmations(kommune_id: str, paths: Iterable[str]) -> Dict[str, Any]:
    """The kommune's own values of `paths` (those it has), to be confirmed as they are."""
    current = flatten(own_content(kommune_id))
    specs = spec_by_path()
    wanted = [path for path in paths if path in specs]
    days = [p for p in current if SPECIAL_DAYS in wanted and p.startswith(SPECIAL_DAYS + ".")]
    return {path: current[path] for path in wanted + days if not _empty(current.get(path))}


def _whole_content_problems(kommune_id: str, current: Mapping[str, Any], changes: Mapping[str, Any]) -> Dict[str, str]:
    """The kommune's content as it would be, checked as a whole (as `make validate-content` does)."""
    values = {**current, **changes}
    content = unflatten({p: v for p, v in values.items() if v is not REMOVE})
    content.setdefault("id", kommune_id)
    content.setdefault("name", registry()[kommune_id].name if kommune_id in registry() else kommune_id)
    content.setdefault("borgerservice", {})
    for plan, what in WEEK_PLANS.items():
        hours = (content.get("borgerservice") or {}).get(plan)
        missing = [day for day in WEEKDAYS if isinstance(hours, Mapping) and hours and day not in hours]
        if missing:
            names = " og ".join(", ".join(WEEKDAY_DA[WEEKDAYS.index(d)] for d in missing).rsplit(", ", 1))
            return {f"borgerservice.{plan}.{missing[0]}":
                    f"Udfyld {what} for {names} (skriv 'lukket' på de dage, hvor der er lukket)."}
    errors = validate_kommune(kommune_id, content, set(load_catalogue().solutions), set(load_topics()))
    return {"indhold": "; ".join(errors)} if errors else {}


def plain(spec: Optional[FieldSpec], value: Any) -> str:
    """A value in plain Danish words, as the admin wrote it ("" for none)."""
    if _empty(value):
        return ""
    kind = spec.kind if spec else ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if kind == "hours":
        return hours_text(value)
    if kind == "days":
        return "; ".join(f"{date_da(parse_date(day))}: {day_text(hours)}" for day, hours in sorted(value.items()))
    if kind == "steps" and isinstance(value, list):
        return " · ".join(f"{i}. {step}" for i, step in enumerate(value, 1))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{key}: {plain(None, item)}" for key, item in value.items())
    return str(value)


def day_text(value: Any) -> str:
    """A special day's hours and note: "lukket (juleaften)"."""
    hours, note = special_day(value)
    return hours_text(hours) + (f" ({note})" if note else "")


def label_of(path: str, specs: Optional[Mapping[str, FieldSpec]] = None) -> Tuple[str, Optional[FieldSpec]]:
    """The field's name as the admin sees it on the form, and its spec."""
    specs = specs if specs is not None else spec_by_path()
    if path in specs:
        return specs[path].label, specs[path]
    if path.startswith(SPECIAL_DAYS + "."):
        day = path[len(SPECIAL_DAYS) + 1:].split(".")[0]
        try:
            return f"Særlig dag {date_da(parse_date(day))}", FieldSpec(path, "", "day", "tider")
        except ValueError:
            pass
    return OTHER_LABELS.get(path.split(".")[-1], "Andet indhold"), None


OTHER_LABELS = {"by_appointment_only": "Kun efter aftale", "checked": "Sidst tjekket", "verified": "Tjekket",
                "sources": "Kilder", "name": "Navn", "opening_hours": "Åbningstider (ugeplan)",
                "phone_hours": "Telefontider (ugeplan)", "special_days": "Særlige dage"}
CHANGE_KINDS = {"change": "Ændret", "rollback": "Rullet tilbage", "import": "Indlæst fra fil", "seed": "Startindhold"}


def _words(spec: Optional[FieldSpec], value: Any) -> str:
    if spec is not None and spec.kind == "day":  # one special day of the table
        return "" if _empty(value) else day_text(value)
    return plain(spec, value)


def change_log(changes: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """The history rows in Danish: the field's name, before and after in words, what happened, who and when."""
    specs = spec_by_path()
    rows = []
    for change in changes:
        label, spec = label_of(change["path"], specs)
        rows.append({**change, "label": label, "before": _words(spec, change["old"]),
                     "after": _words(spec, change["new"]), "what": CHANGE_KINDS.get(change["kind"], "Ændret")})
    return rows


def view(kommune_id: str, stored_fields: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """Every field with its value now, its national default and who verified it."""
    content = own_content(kommune_id)
    current = flatten(content)
    rows = []
    for spec in field_specs():
        if spec.kind == "days":
            value: Any = dict((content.get("borgerservice") or {}).get("special_days") or {})
            shown: Any = [{"date": day, "hours": hours_text(special_day(hours)[0]), "note": special_day(hours)[1] or ""}
                          for day, hours in sorted(value.items())]
        else:
            value = current.get(spec.path)
            shown = hours_text(value) if spec.kind == "hours" else \
                "\n".join(value) if isinstance(value, list) else ("" if value is None else value)
        stored = stored_fields.get(spec.path) if spec.kind != "days" else _all_verified(
            [f for p, f in stored_fields.items() if p.startswith(spec.path + ".")])
        rows.append({"path": spec.path, "label": spec.label, "kind": spec.kind, "section": spec.section,
                     "value": value, "input": shown, "default": spec.default,
                     "default_text": plain(spec, spec.default) or "(intet)",
                     "verified_by": getattr(stored, "verified_by", None),
                     "verified_at": getattr(stored, "verified_at", None),
                     "updated_by": getattr(stored, "updated_by", None)})
    return rows


def _all_verified(stored: List[Any]) -> Any:
    """The newest of fields that were all verified (the special days are one field per day), else None."""
    if not stored or not all(getattr(f, "verified_at", None) for f in stored):
        return None
    return max(stored, key=lambda f: f.verified_at)


def week_verified(rows: Iterable[Mapping[str, Any]]) -> Optional[Mapping[str, Any]]:
    """Of the week's fields with a value: the newest confirmation when every one is confirmed, else None."""
    filled = [row for row in rows if not _empty(row["value"])]
    if not filled or not all(row["verified_at"] for row in filled):
        return None
    return max(filled, key=lambda row: row["verified_at"])


def warnings(kommune_id: str) -> List[str]:
    """What the kommune's admin should see at once: a missing acute phone."""
    if load_kommune(kommune_id).borgerservice.get("social_emergency_phone"):
        return []
    return ["Jeres akuttelefon mangler: borgere, der skriver, at de har brug for akut hjælp (fx intet sted at sove i "
            "nat), får kun de landsdækkende numre og besked om at ringe til politiet på 114, som stiller om til "
            "socialvagten. Skriv socialvagtens nummer under Kontakt: \"Socialvagt (akut telefon)\"."]


def coming(kommune_id: str, today: date) -> List[Dict[str, Any]]:
    """The coming public holidays and special days, with the hours the citizen is told."""
    return coming_days(load_kommune(kommune_id).borgerservice, today)


def preview(kommune_id: str, solution: bool, entry_id: str, draft: Mapping[str, Any]) -> Dict[str, Any]:
    """The intro and the card the widget will show (of a solution of the
    catalogue, else of a topic), with the draft applied."""
    info = registry().get(kommune_id)
    content = own_content(kommune_id)
    section = "solutions" if solution else "topics"
    overrides = dict((content.get(section) or {}).get(entry_id) or {})
    for key in ("url", "intro", "steps"):
        if key in draft:
            overrides[key] = draft[key]
    overrides = {k: v for k, v in overrides.items() if v not in (None, "", [])}
    if solution:
        entry = load_catalogue().get(entry_id)
        return {"intro": entry.intro_for(None, overrides), "card": entry.card(overrides)}
    topic = load_topics()[entry_id]
    national = merge(read_yaml(kommune_path(DEFAULT_ID)), content)
    fallback = info.website if info else (national.get("borgerservice") or {}).get("contact_url")
    return {"intro": topic.intro_for(None, overrides), "card": topic.card(overrides, fallback)}
