"""What a kommune's administrator may edit, what each field overrides, how
its input is checked (in Danish), and how a card will look.

The fields are dotted paths into the kommune's content (borgerguide.kommuner):
Borgerservice's contact, opening and phone hours, special days; for every
solution of the catalogue and every topic its local page, steps, intro and
answers to the FAQ questions; the widget's allowed sites. Each field knows the
national default it overrides, so the pages can show it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Mapping, Optional, Tuple

from borgerguide.catalogue import FAQ_KEYS, load_catalogue
from borgerguide.content import read_yaml
from borgerguide.kommune_content import REMOVE, flatten, unflatten, url_problem
from borgerguide.kommuner import DEFAULT_ID, kommune_path, merge, own_content, registry, validate_kommune
from borgerguide.links import origin_problem
from borgerguide.opening_hours import WEEKDAY_DA, WEEKDAYS, parse_hours
from borgerguide.topics import load_topics

PHONE = re.compile(r"^\+?[0-9 ]{8,16}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
FAQ_DA = {"cost": "Hvad koster det?", "duration": "Hvor lang tid tager det?", "deadline": "Er der en frist?",
          "prepare": "Hvad skal jeg have klar?"}
MAX_STEPS = 6
MAX_STEP = 200
MAX_INTRO = 400


@dataclass(frozen=True)
class FieldSpec:
    path: str
    label: str
    kind: str  # text, phone, email, url, hours, days, bool, steps, intro, answer, origins
    section: str
    default: Any = None  # the national value this field overrides


def _national_borgerservice() -> Dict[str, Any]:
    return dict(read_yaml(kommune_path(DEFAULT_ID)).get("borgerservice") or {})


def field_specs() -> List[FieldSpec]:
    """Every field a kommune may set, with the national default."""
    national = _national_borgerservice()
    specs = [
        FieldSpec("borgerservice.phone", "Telefon til Borgerservice", "phone", "kontakt", national.get("phone")),
        FieldSpec("borgerservice.email", "E-mail til Borgerservice", "email", "kontakt", national.get("email")),
        FieldSpec("borgerservice.address", "Adresse", "text", "kontakt", national.get("address")),
        FieldSpec("borgerservice.booking_url", "Bestil tid (link)", "url", "kontakt", national.get("booking_url")),
        FieldSpec("borgerservice.contact_url", "Kontaktside (link)", "url", "kontakt", national.get("contact_url")),
        FieldSpec("borgerservice.social_emergency_phone", "Socialvagt (akut telefon)", "phone", "kontakt", None),
        FieldSpec("borgerservice.opening_hours_text", "Åbningstider som tekst (når ugeplanen ikke er udfyldt)",
                  "text", "kontakt", national.get("opening_hours_text")),
    ]
    for kind, label in (("opening_hours", "Åbningstid"), ("phone_hours", "Telefontid")):
        specs += [FieldSpec(f"borgerservice.{kind}.{day}", f"{label} {WEEKDAY_DA[i]}", "hours", "tider", None)
                  for i, day in enumerate(WEEKDAYS)]
    specs += [
        FieldSpec("borgerservice.closed_on_public_holidays", "Lukket på helligdage", "bool", "tider", True),
        FieldSpec("borgerservice.special_days", "Særlige dage (én pr. linje: 2026-12-24: lukket)", "days", "tider",
                  None),
    ]
    for solution in load_catalogue().solutions.values():
        prefix = f"solutions.{solution.id}"
        specs += [
            FieldSpec(f"{prefix}.url", f"{solution.title}: kommunens side", "url", "løsninger", solution.url),
            FieldSpec(f"{prefix}.intro", f"{solution.title}: indledning", "intro", "løsninger", solution.intro),
            FieldSpec(f"{prefix}.steps", f"{solution.title}: trin", "steps", "løsninger", list(solution.steps)),
        ]
        specs += [FieldSpec(f"{prefix}.faq.{key}", f"{solution.title}: {FAQ_DA[key]}", "answer", "løsninger",
                            solution.faq.get(key)) for key in FAQ_KEYS]
    for topic in load_topics().values():
        prefix = f"topics.{topic.id}"
        specs += [
            FieldSpec(f"{prefix}.url", f"{topic.name}: kommunens side", "url", "emner",
                      topic.url or "(kommunens hjemmeside)"),
            FieldSpec(f"{prefix}.intro", f"{topic.name}: indledning", "intro", "emner", topic.intro),
            FieldSpec(f"{prefix}.steps", f"{topic.name}: trin", "steps", "emner", list(topic.steps)),
        ]
        specs += [FieldSpec(f"{prefix}.faq.{key}", f"{topic.name}: {FAQ_DA[key]}", "answer", "emner",
                            topic.faq.get(key)) for key in FAQ_KEYS]
    specs.append(FieldSpec("widget_origins", "Sider, der må vise chatten (én pr. linje, fx https://www.kommune.dk)",
                           "origins", "widget", []))
    return specs


def spec_by_path() -> Dict[str, FieldSpec]:
    return {spec.path: spec for spec in field_specs()}


def _lines(raw: Any) -> List[str]:
    if isinstance(raw, list):
        return [str(line).strip() for line in raw if str(line).strip()]
    return [line.strip() for line in str(raw or "").splitlines() if line.strip()]


def parse_value(spec: FieldSpec, raw: Any, website: Optional[str]) -> Any:
    """The value to store for an admin's input; None removes the override
    (the national default applies). ValueError with a Danish message."""
    if spec.kind == "bool":
        return raw in (True, "true", "on", "ja", "1", 1)
    if spec.kind in ("steps", "origins", "days"):
        lines = _lines(raw)
        if not lines:
            return None
    else:
        text = " ".join(str(raw or "").split())
        if not text:
            return None
    if spec.kind == "phone":
        if not PHONE.match(text):
            raise ValueError("Skriv et telefonnummer med 8 cifre, fx 89 40 22 22.")
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
        folded = text.lower()
        if folded in ("lukket", "closed"):
            return "closed"
        parts = [part.strip().replace(".", ":") for part in folded.replace(" og ", ",").split(",") if part.strip()]
        try:
            parse_hours(parts)
        except ValueError:
            raise ValueError("Skriv tiden som 10:00-15:00, flere med komma (10:00-12:00, 13:00-15:00), "
                             "eller 'lukket'.")
        return parts[0] if len(parts) == 1 else parts
    if spec.kind == "days":
        days: Dict[str, Any] = {}
        for line in lines:
            day, _, hours = line.partition(":")
            try:
                date.fromisoformat(day.strip())
            except ValueError:
                raise ValueError(f"'{line}': skriv datoen som 2026-12-24, fx '2026-12-24: lukket'.")
            days[day.strip()] = parse_value(FieldSpec("", "", "hours", ""), hours, website)
        return days
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


def prepare_changes(kommune_id: str, raw: Mapping[str, Any]) -> Tuple[Dict[str, Any], Dict[str, str]]:
    """The changes to store (path -> value, or REMOVE) and the problems (path ->
    Danish message). A day table replaces the kommune's special days."""
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
            for old in [p for p in current if p.startswith(path + ".")]:
                changes[old] = REMOVE
            for day, hours in (parsed or {}).items():
                changes[f"{path}.{day}"] = hours
            if not parsed and path in current:
                changes[path] = REMOVE
        elif parsed is None:  # an empty field: the national default applies again
            if path in current:
                changes[path] = REMOVE
        else:
            changes[path] = parsed
    if not problems:
        problems.update(_whole_content_problems(kommune_id, current, changes))
    return changes, problems


def _whole_content_problems(kommune_id: str, current: Mapping[str, Any], changes: Mapping[str, Any]) -> Dict[str, str]:
    """The kommune's content as it would be, checked as a whole (as `make validate-content` does)."""
    values = {**current, **changes}
    content = unflatten({p: v for p, v in values.items() if v is not REMOVE})
    content.setdefault("id", kommune_id)
    content.setdefault("name", registry()[kommune_id].name if kommune_id in registry() else kommune_id)
    content.setdefault("borgerservice", {})
    hours = (content.get("borgerservice") or {}).get("opening_hours")
    if hours and set(hours) != set(WEEKDAYS):
        return {"borgerservice.opening_hours.monday":
                "Udfyld åbningstiden for alle ugens dage (skriv 'lukket' på de dage, hvor der er lukket)."}
    errors = validate_kommune(kommune_id, content, set(load_catalogue().solutions), set(load_topics()))
    return {"indhold": "; ".join(errors)} if errors else {}


def view(kommune_id: str, stored_fields: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """Every field with its value now, its national default and who verified it."""
    current = flatten(own_content(kommune_id))
    rows = []
    for spec in field_specs():
        if spec.kind == "days":
            value: Any = {p.rsplit(".", 1)[1]: v for p, v in current.items() if p.startswith(spec.path + ".")}
            shown = "\n".join(f"{day}: {'lukket' if hours == 'closed' else hours}" for day, hours in value.items())
        else:
            value = current.get(spec.path)
            shown = "\n".join(value) if isinstance(value, list) else ("" if value is None else value)
        stored = stored_fields.get(spec.path)
        rows.append({"path": spec.path, "label": spec.label, "kind": spec.kind, "section": spec.section,
                     "value": value, "input": shown, "default": spec.default,
                     "verified_by": getattr(stored, "verified_by", None),
                     "verified_at": getattr(stored, "verified_at", None),
                     "updated_by": getattr(stored, "updated_by", None)})
    return rows


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
