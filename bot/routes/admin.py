"""Administration: a kommune's administrator looks after its own content, its
accounts and its citizens' data-subject requests; the operator looks after
content and accounts for any kommune, never a citizen's conversation.

Pages: /admin/ (choose a kommune: the operator), /admin/kommuner/{k}/ (the
kommune's page: contact and hours, local pages with a preview, the widget's
sites, changes with rollback, accounts and invitations),
/admin/kommuner/{k}/persondata (the data requests: kommune admins only),
/invitation/{token} (a new account from a one-time link),
/admin/second-factor (turn on TOTP).
JSON API (same login): /api/admin/kommuner/{k}/content (GET, POST changes),
/preview, /changes, /changes/{id}/rollback, /accounts, /invitations,
/accounts/{username}/remove, /audit, /data-requests (the kommune's requests),
/data-requests/{ref} (one, and what is kept of its conversation),
/data-requests/{ref}/export (the copy, art. 15), /data-requests/{ref}/done
(the copy is handed over), /data-requests/{ref}/erase (art. 17).

A data request is filed by the citizen from the conversation itself (the
widget's "Dine data", POST /api/chat/data-request with the conversation's
secret); the administrator sees it here by its reference and carries it out.
Nothing here is found by a conversation's id. A kommune's admin reaching
another kommune gets 403; a thing of another kommune (a change, an account,
a request) is 404.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, quote, urlsplit

from aiohttp import web

from borgerguide import content_admin
from borgerguide.catalogue import load_catalogue
from borgerguide.clock import danish_today
from borgerguide.errors import BadInput, Forbidden, Gone, NotFound
from borgerguide.kommune_content import REMOVE, ContentStore, forget_revision, store_for
from borgerguide.kommuner import DEFAULT_ID, known_kommune, own_content, registry
from borgerguide.languages import staff_name
from borgerguide.opening_hours import WEEKDAY_DA, WEEKDAYS
from borgerguide.tenancy import INVITABLE_BY_ADMIN, KOMMUNE_ADMIN, OPERATOR, ROLE_NAMES_DA, ROLES, Scope
from borgerguide.topics import load_topics
from bot import privacy
from bot.keys import ACCOUNTS, CONVERSATIONS, RASA, RETENTION, SETTINGS
from bot.offloop import db
from bot.session import address_of, body_of, json_object, require, set_session_cookie
from bot.stores.accounts import Session, password_problem
from bot.stores.conversations import ANONYMISED
from bot.templating import render

ADMINS = (KOMMUNE_ADMIN, OPERATOR)
DATA_ROLES = (KOMMUNE_ADMIN,)  # a citizen's conversation: the kommune's own administrator, not the operator
SECTIONS = {"kontakt": "Kontakt", "tider": "Åbningstider", "widget": "Chatten på hjemmesiden"}
LOSNING, EMNE = "losning", "emne"  # the two kinds of a local page: a solution of the catalogue, a topic


def _store(request: web.Request) -> ContentStore:
    return store_for(request.app[SETTINGS].database_url)


def admin_kommune(request: web.Request, api: bool = True, roles: Tuple[str, ...] = ADMINS) -> Tuple[Session, str]:
    """The admin's session and the kommune of the URL, which must be theirs (403)."""
    session = require(request, roles, api=api)
    kommune = known_kommune(request.match_info.get("kommune"))
    if kommune is None or kommune == DEFAULT_ID:
        raise NotFound("Kommunen findes ikke.")
    if not session.scope.allows(kommune):
        raise Forbidden("Du har ikke adgang til den kommune.")
    return session, kommune


def _entries() -> List[Tuple[str, str]]:
    """(key, name) of every solution and topic a kommune may give its own page."""
    solutions = [(f"{LOSNING}:{s.id}", s.title) for s in load_catalogue().solutions.values()]
    topics = [(f"{EMNE}:{t.id}", t.name) for t in sorted(load_topics().values(), key=lambda t: t.name)]
    return solutions + topics


def _fields(request: web.Request, kommune: str) -> List[Dict[str, Any]]:
    return content_admin.view(kommune, _store(request).fields(kommune))


async def _save(request: web.Request, session: Session, kommune: str, raw: Dict[str, Any],
                confirm: Iterable[str] = ()) -> Dict[str, int]:
    """Checks and stores an admin's changes (verified by them) and confirms the
    fields they confirmed; BadInput with the problem of each field. Only a
    field whose value changed is logged and marked as confirmed."""
    changes, problems = await db(content_admin.prepare_changes, kommune, raw)
    if problems:
        labels = {path: spec.label for path, spec in content_admin.spec_by_path().items()}
        said = "; ".join(f"{labels.get(path, 'Indholdet')}: {text}" for path, text in problems.items())
        raise BadInput(f"Ikke gemt. {said}", problems=problems, saved=0)
    confirmed = await db(content_admin.confirmations, kommune, [p for p in confirm if p not in changes])
    if not changes and not confirmed:
        return {"saved": 0, "confirmed": 0}
    seed = await db(own_content, kommune)
    count = await db(_store(request).change, kommune, seed, {**confirmed, **changes}, session.username)
    forget_revision()
    if count:
        await db(request.app[ACCOUNTS].audit, session.username, kommune, "content_changed", None,
                 {"fields": sorted(p for p, v in changes.items() if v is not REMOVE)[:50], "count": count})
    return {"saved": count, "confirmed": len(confirmed)}


def _saved_message(result: Dict[str, int]) -> str:
    def fields(n: int) -> str:
        return f"{n} felt" if n == 1 else f"{n} felter"

    said = [f"Gemt: {fields(result['saved'])}." if result["saved"] else "",
            f"Bekræftet: {fields(result['confirmed'])}." if result["confirmed"] else ""]
    return " ".join(part for part in said if part) or "Ingen ændringer: alt var som før, så intet er gemt."


# --- pages ---------------------------------------------------------------------

async def home(request: web.Request) -> web.StreamResponse:
    session = require(request, ADMINS, api=False)
    if not session.scope.everywhere:
        raise web.HTTPFound(f"/admin/kommuner/{session.kommune}/")
    kommuner = sorted(((k, i.name) for k, i in registry().items()), key=lambda item: item[1])
    return render("admin_home.html", title="Administration", session=session, kommuner=kommuner)


async def kommune_page(request: web.Request, typed: Optional[Dict[str, Any]] = None,
                       problems: Optional[Dict[str, str]] = None, message: Optional[str] = None,
                       status: int = 200, query: Optional[Mapping[str, str]] = None) -> web.Response:
    """The kommune's page (the part `query` names, else the URL's); after a
    refused save, with what the admin typed and each field's problem."""
    session, kommune = admin_kommune(request, api=False)
    query = request.query if query is None else query
    section = query.get("afsnit") or "kontakt"
    entry = query.get("side") or ""
    fields = await db(_fields, request, kommune)
    for field in fields:
        if typed and field["path"] in typed:
            field["input"] = typed[field["path"]]
            if field["kind"] == "bool":
                field["value"] = typed[field["path"]] in ("true", "on", "1")
    if entry:
        kind, _, entry_id = entry.partition(":")
        prefix = f"{'solutions' if kind == LOSNING else 'topics'}.{entry_id}."
        shown = [f for f in fields if f["path"].startswith(prefix)]
    else:
        shown = [f for f in fields if f["section"] == section]
    accounts = await db(request.app[ACCOUNTS].list, session.scope if session.role == OPERATOR else
                        _kommune_scope(kommune))
    changes = await db(_store(request).changes, kommune, 30) if section == "aendringer" else []
    response = render(
        "admin_kommune.html", title="Administration", session=session, kommune=kommune,
        kommune_name=registry()[kommune].name, section=section, sections=SECTIONS, entry=entry, entries=_entries(),
        fields=[f for f in shown if ".lang." not in f["path"]], in_languages=_in_languages(shown),
        week=_week(shown), week_verified=content_admin.week_verified(
            [f for f in shown if f["kind"] == "hours"]), changes=await db(content_admin.change_log, changes),
        accounts=[a for a in accounts if a["kommune"] == kommune], roles=ROLE_NAMES_DA,
        invitable=INVITABLE_BY_ADMIN if session.role == KOMMUNE_ADMIN else ROLES,
        message=message or query.get("besked"), problems=problems or {},
        warnings=await db(content_admin.warnings, kommune), asked=_int(query.get("rul")),
        coming=await db(content_admin.coming, kommune, danish_today()) if section == "tider" else [])
    response.set_status(status)
    return response


def _in_languages(fields: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """A matter's answers in each other language (`<matter>.lang.<code>.`): {code, name, fields, open}."""
    groups: Dict[str, List[Dict[str, Any]]] = {}
    for field in fields:
        _, marker, rest = field["path"].partition(".lang.")
        if marker:
            groups.setdefault(rest.split(".", 1)[0], []).append(field)
    return [{"code": code, "name": staff_name(code).lower(), "fields": group,
             "open": any(f["input"] for f in group)} for code, group in groups.items()]


def _int(value: Any) -> Optional[int]:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _week(fields: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The week table: per weekday its opening and phone hours' fields."""
    by_path = {f["path"]: f for f in fields}
    return [{"day": WEEKDAY_DA[i].capitalize(), "opening": by_path.get(f"borgerservice.opening_hours.{day}"),
             "phone": by_path.get(f"borgerservice.phone_hours.{day}")}
            for i, day in enumerate(WEEKDAYS) if f"borgerservice.opening_hours.{day}" in by_path]


def _kommune_scope(kommune: str) -> Scope:
    return Scope(kommune)


def _form_changes(form: Any) -> Tuple[Dict[str, Any], List[str]]:
    """The fields of the content form (`f:<path>`), the special days' rows and the confirmed fields."""
    raw: Dict[str, Any] = {key[len("f:"):]: value for key, value in form.items() if key.startswith("f:")}
    for key in [k for k in form if k.startswith("bool:")]:  # an unticked checkbox sends nothing
        raw.setdefault(key[len("bool:"):], form.get("f:" + key[len("bool:"):], ""))
    if "day:date" in form:
        raw[content_admin.SPECIAL_DAYS] = [
            {"date": day, "hours": hours, "note": note}
            for day, hours, note in zip(form.getall("day:date"), form.getall("day:hours"), form.getall("day:note"),
                                        strict=False)]
    confirm = [key[len("confirm:"):] for key in form if key.startswith("confirm:")]
    return raw, confirm


async def content_form(request: web.Request) -> web.StreamResponse:
    session, kommune = admin_kommune(request, api=False)
    form = await request.post()
    raw, confirm = _form_changes(form)
    back = str(form.get("back") or f"/admin/kommuner/{kommune}/")
    if not back.startswith(f"/admin/kommuner/{kommune}/"):
        back = f"/admin/kommuner/{kommune}/"
    try:
        result = await _save(request, session, kommune, raw, confirm)
    except BadInput as refused:  # the page again, with everything the admin typed and what to fix
        part = {key: values[0] for key, values in parse_qs(urlsplit(back).query).items() if key in ("afsnit", "side")}
        return await kommune_page(request, typed=raw, problems=refused.details.get("problems"),
                                  message=refused.message, status=400, query=part)
    raise web.HTTPFound(f"{back}{'&' if '?' in back else '?'}besked={_quote(_saved_message(result))}")


def _quote(text: str) -> str:
    return quote(text[:500])


def _back(kommune: str, query: str, message: str) -> web.HTTPFound:
    """Back to a part of the kommune's page, with a message."""
    return web.HTTPFound(f"/admin/kommuner/{kommune}/?{query}&besked={_quote(message)}")


async def rollback_form(request: web.Request) -> web.StreamResponse:
    session, kommune = admin_kommune(request, api=False)
    if (await body_of(request)).get("confirmed") != "1":  # a rollback changes what citizens are told: ask first
        raise web.HTTPFound(f"/admin/kommuner/{kommune}/?afsnit=aendringer&rul={request.match_info['change']}#rul")
    await _rollback(request, session, kommune)
    raise _back(kommune, "afsnit=aendringer", "Ændringen er rullet tilbage.")


async def invite_form(request: web.Request) -> web.StreamResponse:
    session, kommune = admin_kommune(request, api=False)
    form = await body_of(request)
    link = await _invite(request, session, kommune, str(form.get("role") or ""))
    raise _back(kommune, "afsnit=konti", f"Invitationslink (virker én gang, i 7 dage): {link}")


async def remove_form(request: web.Request) -> web.StreamResponse:
    session, kommune = admin_kommune(request, api=False)
    await _remove(request, session, kommune, request.match_info["username"])
    raise _back(kommune, "afsnit=konti", "Kontoen er lukket.")


# --- API -----------------------------------------------------------------------

async def api_content(request: web.Request) -> web.Response:
    session, kommune = admin_kommune(request)
    if request.method == "POST":
        body = await json_object(request)
        changes = body.get("changes")
        confirm = body.get("confirm") or []
        if not isinstance(changes, dict) or not isinstance(confirm, list):
            raise BadInput("'changes' skal være et objekt: felt -> værdi (og 'confirm' en liste af felter).")
        result = await _save(request, session, kommune, changes, [str(p) for p in confirm])
        return web.json_response({**result, "message": _saved_message(result)})
    return web.json_response({"kommune": kommune, "fields": await db(_fields, request, kommune)})


async def api_preview(request: web.Request) -> web.Response:
    """{"entry": "losning:<id>" | "emne:<id>", "draft": {"url", "steps": [...] or text, "intro"}}"""
    session, kommune = admin_kommune(request)
    body = await json_object(request)
    kind, _, entry_id = str(body.get("entry") or "").partition(":")
    if (kind, entry_id) not in {(k.split(":")[0], k.split(":")[1]) for k, _ in _entries()}:
        raise BadInput("Ukendt løsning eller emne.")
    draft: Dict[str, Any] = body["draft"] if isinstance(body.get("draft"), dict) else {}
    specs = content_admin.spec_by_path()
    prefix = f"{'solutions' if kind == LOSNING else 'topics'}.{entry_id}."
    parsed: Dict[str, Any] = {}
    problems = {}
    website = registry()[kommune].website
    for key in ("url", "intro", "steps"):
        if key in draft:
            try:
                parsed[key] = content_admin.parse_value(specs[prefix + key], draft[key], website)
            except ValueError as error:
                problems[key] = str(error)
    if problems:
        raise BadInput("Forhåndsvisningen kan ikke vises: " + " ".join(problems.values()), problems=problems)
    return web.json_response(await db(content_admin.preview, kommune, kind == LOSNING, entry_id, parsed))


async def _rollback(request: web.Request, session: Session, kommune: str) -> Dict[str, Any]:
    try:
        change_id = int(request.match_info["change"])
        result = await db(_store(request).rollback, kommune, change_id, session.username, own_content(kommune))
    except (ValueError, KeyError):
        raise NotFound("Ændringen findes ikke.")
    forget_revision()
    await db(request.app[ACCOUNTS].audit, session.username, kommune, "content_rolled_back", result["path"],
             {"change": change_id})
    return result


async def api_changes(request: web.Request) -> web.Response:
    session, kommune = admin_kommune(request)
    return web.json_response({"changes": await db(_store(request).changes, kommune, 200)})


async def api_rollback(request: web.Request) -> web.Response:
    session, kommune = admin_kommune(request)
    return web.json_response({"rolled_back": await _rollback(request, session, kommune)})


async def api_accounts(request: web.Request) -> web.Response:
    session, kommune = admin_kommune(request)
    accounts = await db(request.app[ACCOUNTS].list, _kommune_scope(kommune))
    return web.json_response({"accounts": accounts})


async def _invite(request: web.Request, session: Session, kommune: str, role: str) -> str:
    token = await db(request.app[ACCOUNTS].invite, role, kommune, session)  # Forbidden, BadInput
    return f"{request.scheme}://{request.host}/invitation/{token}"


async def api_invite(request: web.Request) -> web.Response:
    session, kommune = admin_kommune(request)
    body = await json_object(request)
    link = await _invite(request, session, kommune, str(body.get("role") or ""))
    return web.json_response({"link": link}, status=201)


async def _remove(request: web.Request, session: Session, kommune: str, username: str) -> None:
    account = await db(request.app[ACCOUNTS].get, username)
    if account is None or account["kommune"] != kommune or username == session.username or (
            session.role == KOMMUNE_ADMIN and account["role"] not in INVITABLE_BY_ADMIN):
        raise NotFound("Kontoen findes ikke.")
    await db(request.app[ACCOUNTS].remove, username, _kommune_scope(kommune), session.username)


async def api_remove(request: web.Request) -> web.Response:
    session, kommune = admin_kommune(request)
    await _remove(request, session, kommune, request.match_info["username"])
    return web.json_response({"removed": request.match_info["username"]})


async def api_audit(request: web.Request) -> web.Response:
    session, kommune = admin_kommune(request)
    return web.json_response({"entries": await db(request.app[ACCOUNTS].audit_entries, _kommune_scope(kommune))})


# --- personal data: the citizens' data requests (GDPR art. 15 and 17) ------------------

KIND_DA = {"export": "Kopi af samtalen (indsigt)", "erase": "Sletning af samtalen"}


async def _data_request(request: web.Request, kommune: str) -> Tuple[Dict[str, Any], str]:
    """The kommune's request of the URL and its conversation's id (404 for none, or another kommune's)."""
    found = await db(request.app[CONVERSATIONS].request, kommune, request.match_info["ref"])
    if found is None:
        raise NotFound("Anmodningen findes ikke i denne kommune.")
    return found


def _listed(item: Dict[str, Any]) -> Dict[str, Any]:
    return {**item, "kind_da": KIND_DA.get(item["kind"], item["kind"])}


async def api_data_requests(request: web.Request) -> web.Response:
    session, kommune = admin_kommune(request, roles=DATA_ROLES)
    items = await db(request.app[CONVERSATIONS].requests, kommune)
    return web.json_response({"requests": [_listed(item) for item in items]})


async def api_data_request(request: web.Request) -> web.Response:
    session, kommune = admin_kommune(request, roles=DATA_ROLES)
    item, conversation_id = await _data_request(request, kommune)
    kept = await db(privacy.inventory, request.app[RETENTION], conversation_id) \
        if conversation_id != ANONYMISED else None
    if kept:
        kept.pop("conversation_id", None)
    return web.json_response({"request": _listed(item), "kept": kept})


async def data_request_export(request: web.Request) -> web.Response:
    session, kommune = admin_kommune(request, api=request.path.startswith("/api/"), roles=DATA_ROLES)
    item, conversation_id = await _data_request(request, kommune)
    if item["kind"] != "export":
        raise BadInput("Anmodningen gælder ikke en kopi.")
    if conversation_id == ANONYMISED:
        raise Gone("Samtalen er slettet.")
    tracker = await privacy.tracker_or_none(request.app[RASA], conversation_id)
    export = await db(privacy.export, request.app[RETENTION], conversation_id, tracker)
    export["reference"] = item["reference"]
    await db(request.app[ACCOUNTS].audit, session.username, kommune, "conversation_exported", item["reference"],
             {key: len(value) for key, value in export.items() if isinstance(value, list)})
    return web.Response(text=json.dumps(export, ensure_ascii=False, indent=2), content_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="samtale-{item["reference"]}.json"'})


async def data_request_done(request: web.Request) -> web.StreamResponse:
    """The copy is handed over to the citizen: the request is closed."""
    session, kommune = admin_kommune(request, api=request.path.startswith("/api/"), roles=DATA_ROLES)
    item, _ = await _data_request(request, kommune)
    if item["kind"] != "export":
        raise BadInput("En sletning afsluttes ved at slette samtalen.")
    closed = await db(request.app[CONVERSATIONS].close_request, kommune, item["reference"], session.username)
    if closed:
        await db(request.app[ACCOUNTS].audit, session.username, kommune, "data_request_done", item["reference"], {})
    if request.path.startswith("/api/"):
        return web.json_response({"done": closed})
    message = f"Anmodning {item['reference']} er afsluttet."
    raise web.HTTPFound(f"/admin/kommuner/{kommune}/persondata?besked={_quote(message)}")


async def data_request_erase(request: web.Request) -> web.StreamResponse:
    session, kommune = admin_kommune(request, api=request.path.startswith("/api/"), roles=DATA_ROLES)
    item, conversation_id = await _data_request(request, kommune)
    if item["kind"] != "erase":
        raise BadInput("Anmodningen gælder ikke en sletning.")
    body = await body_of(request)
    if body.get("confirm") not in ("ja", True):
        raise BadInput("Bekræft sletningen.")
    from bot.stores import retention

    result: Dict[str, Any] = {"conversations": 0}
    if conversation_id != ANONYMISED:
        result = await db(retention.erase, request.app[RETENTION], conversation_id, session.username, kommune)
        await db(request.app[ACCOUNTS].audit, session.username, kommune, "conversation_erased", item["reference"],
                 {k: v for k, v in result.items() if isinstance(v, int)})
    await db(request.app[CONVERSATIONS].close_request, kommune, item["reference"], session.username)
    if request.path.startswith("/api/"):
        return web.json_response(result)
    counts = ", ".join(f"{value} {ERASED_DA[name]}" for name, value in result.items() if name in ERASED_DA and value)
    message = f"Samtalen er slettet alle steder ({counts or 'intet fundet'})."
    raise web.HTTPFound(f"/admin/kommuner/{kommune}/persondata?besked={_quote(message)}")


ERASED_DA = {"tracker_events": "hændelser hos Rasa", "broker_events": "hændelser i hændelsesstrømmen",
             "facts": "rækker i analytikernes tal", "unresolved": "uløste beskeder", "ratings": "vurderinger",
             "escalations": "henvendelser til Borgerservice"}


async def privacy_page(request: web.Request) -> web.Response:
    session, kommune = admin_kommune(request, api=False, roles=DATA_ROLES)
    items = [_listed(item) for item in await db(request.app[CONVERSATIONS].requests, kommune)]
    for item in items:
        if item["status"] == "open":
            found = await db(request.app[CONVERSATIONS].request, kommune, item["reference"])
            if found and found[1] != ANONYMISED:
                item["kept"] = await db(privacy.inventory, request.app[RETENTION], found[1])
    return render("admin_privacy.html", title="Persondata", session=session, kommune=kommune,
                  kommune_name=registry()[kommune].name, requests=items, message=request.query.get("besked"))


# --- invitations and the second factor --------------------------------------------------

async def invitation_page(request: web.Request) -> web.Response:
    found = await db(request.app[ACCOUNTS].invitation, request.match_info["token"])
    info = registry().get(found["kommune"]) if found else None
    return render("invitation.html", title="Opret konto", session=None, invitation=found, error=None,
                  roles=ROLE_NAMES_DA, kommune_name=info.name if info else "alle kommuner")


async def invitation_accept(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    form = await request.post()
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    found = await db(request.app[ACCOUNTS].invitation, token)
    error = None
    if form.get("password2") != password:
        error = "De to adgangskoder er ikke ens."
    else:
        error = password_problem(password, username)
    if error is None:
        try:
            await db(request.app[ACCOUNTS].accept, token, username, password)
        except ValueError as problem:
            error = str(problem)
    if error:
        response = render("invitation.html", title="Opret konto", session=None, invitation=found, error=error,
                          roles=ROLE_NAMES_DA, kommune_name="")
        response.set_status(400)
        return response
    session_id = await db(request.app[ACCOUNTS].login, username, password, None, address_of(request))
    response = web.HTTPFound("/login" if session_id is None else "/")
    if session_id:
        set_session_cookie(request, response, session_id)
    return response


async def second_factor_page(request: web.Request) -> web.Response:
    session = require(request, "any", api=False)
    secret = await db(request.app[ACCOUNTS].start_second_factor, session.username)
    uri = f"otpauth://totp/Borgerguide:{session.username}?secret={secret}&issuer=Borgerguide"
    return render("second_factor.html", title="Totrinsbekræftelse", session=session, secret=secret, uri=uri,
                  message=request.query.get("besked"))


async def second_factor_confirm(request: web.Request) -> web.StreamResponse:
    session = require(request, "any", api=request.path.startswith("/api/"))
    body = await body_of(request)
    ok = await db(request.app[ACCOUNTS].confirm_second_factor, session.username, str(body.get("secret") or ""),
                  str(body.get("code") or ""))
    if request.path.startswith("/api/"):
        if not ok:
            raise BadInput("Koden passede ikke. Prøv igen.", second_factor=False)
        return web.json_response({"second_factor": ok})
    text = "Totrinsbekræftelse er slået til." if ok else "Koden passede ikke. Prøv igen."
    raise web.HTTPFound(f"/admin/second-factor?besked={_quote(text)}")


def add_routes(app: web.Application) -> None:
    base = "/admin/kommuner/{kommune}"
    api = "/api/admin/kommuner/{kommune}"
    app.router.add_get("/admin/", home)
    app.router.add_get(base + "/", kommune_page)
    app.router.add_post(base + "/content", content_form)
    app.router.add_post(base + "/changes/{change}/rollback", rollback_form)
    app.router.add_post(base + "/invitations", invite_form)
    app.router.add_post(base + "/accounts/{username}/remove", remove_form)
    app.router.add_get(base + "/persondata", privacy_page)
    app.router.add_get(base + "/data-requests/{ref}/export", data_request_export)
    app.router.add_post(base + "/data-requests/{ref}/done", data_request_done)
    app.router.add_post(base + "/data-requests/{ref}/erase", data_request_erase)
    app.router.add_route("*", api + "/content", api_content)
    app.router.add_post(api + "/preview", api_preview)
    app.router.add_get(api + "/changes", api_changes)
    app.router.add_post(api + "/changes/{change}/rollback", api_rollback)
    app.router.add_get(api + "/accounts", api_accounts)
    app.router.add_post(api + "/invitations", api_invite)
    app.router.add_post(api + "/accounts/{username}/remove", api_remove)
    app.router.add_get(api + "/audit", api_audit)
    app.router.add_get(api + "/data-requests", api_data_requests)
    app.router.add_get(api + "/data-requests/{ref}", api_data_request)
    app.router.add_get(api + "/data-requests/{ref}/export", data_request_export)
    app.router.add_post(api + "/data-requests/{ref}/done", data_request_done)
    app.router.add_post(api + "/data-requests/{ref}/erase", data_request_erase)
    app.router.add_get("/invitation/{token}", invitation_page)
    app.router.add_post("/invitation/{token}", invitation_accept)
    app.router.add_get("/admin/second-factor", second_factor_page)
    app.router.add_post("/admin/second-factor", second_factor_confirm)
    app.router.add_post("/api/admin/second-factor", second_factor_confirm)
