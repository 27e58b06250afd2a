#!/usr/bin/env python3
"""Replays the attacks of docs/security.md against a running Borgerguide and
prints, for each, whether it held (HELD), got through (BROKEN) or could not
be tried (SKIPPED). For a kommune's own security people: plain Python 3, no
packages, only the installation's public API (and, when given, a kommune
administrator's login).

    python3 scripts/security_probe.py https://borgerguide.example.dk \\
        --kommune aarhus --origin https://www.aarhus.dk \\
        --other-kommune odense --other-origin https://www.odense.dk \\
        [--admin NAME --password-file FILE] [--handoff] [--ratings] [--logins]

What it leaves behind: a few short conversations in --kommune (their texts
say "Sikkerhedstest"); with --admin, a data request it files and carries out
itself (the test conversation is erased), two invitations (one stays unused
until it expires after 7 days; the race's one account is removed again);
with --handoff one hand-off in the kommune's inbox (resolve it); with
--ratings up to six ratings (score 3) in the kommune's figures; with
--logins the admin's name and a made-up name wait 15 minutes from this
machine's address (the login wait it tests). Exit status 1 when anything is
BROKEN.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import http.cookiejar
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

MARK = "Sikkerhedstest af Borgerguiden"
Result = Tuple[str, str]  # (HELD | BROKEN | SKIPPED, detail)


class Http:
    """JSON over HTTP with an optional cookie jar (a logged-in session)."""

    def __init__(self, base: str, cookies: bool = False) -> None:
        self.base = base.rstrip("/")
        handlers = [urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())] if cookies else []
        self.opener = urllib.request.build_opener(NoRedirect, *handlers)
        self.csrf: Optional[str] = None

    def call(self, method: str, path: str, body: Any = None, headers: Optional[Dict[str, str]] = None,
             raw: Optional[bytes] = None, form: Optional[Dict[str, str]] = None) -> Tuple[int, Any, Dict[str, str]]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        sent = {"Content-Type": "application/json", **(headers or {})}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.csrf:
            sent["X-CSRF-Token"] = self.csrf
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, _json(response.read()), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read()), dict(error.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data.decode(errors="replace")


def held(ok: bool, detail: str) -> Result:
    return ("HELD" if ok else "BROKEN", detail)


class Probe:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.web = Http(args.base)
        self.admin: Optional[Http] = None

    # --- helpers ------------------------------------------------------------------------
    def start(self, text: str, kommune: Optional[str] = None,
              headers: Optional[Dict[str, str]] = None) -> Tuple[int, Dict[str, Any]]:
        """A new conversation. The id it proposes is what an older installation (before issue 20) used; a
        current one makes its own and says so in `sender`."""
        proposed = f"probe-{uuid.uuid4().hex[:16]}"
        status, body, _ = self.web.call("POST", "/api/chat", {"sender": proposed, "message": f"{MARK}: {text}",
                                                              "kommune": kommune or self.args.kommune}, headers=headers)
        if not isinstance(body, dict):
            return status, {}
        body.setdefault("sender", proposed)
        return status, body

    def say(self, conversation: Dict[str, Any], text: str, **extra: Any) -> Tuple[int, Any]:
        status, body, _ = self.web.call("POST", "/api/chat", {"sender": conversation["sender"],
                                                              "token": conversation["token"], "message": text, **extra})
        return status, body

    def login_admin(self) -> Optional[str]:
        if not self.args.admin:
            return None
        admin = Http(self.args.base, cookies=True)
        status, body, _ = admin.call("POST", "/api/login", {"username": self.args.admin, "password": self.password()})
        if status != 200:
            return f"the admin could not log in ({status}: {body})"
        admin.csrf = body["csrf"]
        self.admin = admin
        return None

    def password(self) -> str:
        if self.args.password_file:
            with open(self.args.password_file, encoding="utf-8") as handle:
                return handle.readline().rstrip("\n")
        return self.args.password or ""

    # --- the conversation belongs to the browser that started it --------------------------
    def conversation_id_alone(self) -> Result:
        status, first = self.start("hej")
        if status != 200 or not first.get("token"):
            return ("SKIPPED", f"could not start a conversation ({status}: {first})")
        victim = first["sender"]
        status, stolen, _ = self.web.call("POST", "/api/chat", {"sender": victim, "message": f"{MARK}: hej"})
        got_secret = isinstance(stolen, dict) and stolen.get("token") == first["token"]
        same = isinstance(stolen, dict) and stolen.get("sender", victim) == victim  # (older versions: no "sender")
        polled, _, _ = self.web.call("GET", f"/api/chat/messages?sender={victim}&token="
                                             f"{(stolen or {}).get('token') if isinstance(stolen, dict) else 'x'}")
        return held(not got_secret and not same and polled == 403,
                    f"a message naming the conversation without its secret: {status}, "
                    f"{'its own new conversation' if not same and not got_secret else 'INTO the conversation'}; "
                    f"reading its replies with what it got: {polled}")

    def messages_without_secret(self) -> Result:
        status, first = self.start("hej")
        if status != 200:
            return ("SKIPPED", f"could not start a conversation ({status})")
        results = [self.web.call("GET", f"/api/chat/messages?sender={first['sender']}&token={token}")[0]
                   for token in ("0" * 43, "x", first["token"][:-1] + ("A" if first["token"][-1] != "A" else "B"))]
        return held(results == [403, 403, 403], f"staff replies with a wrong secret: {results}")

    def callback_without_secret(self) -> Result:
        status, first = self.start("hej")
        if status != 200:
            return ("SKIPPED", f"could not start a conversation ({status})")
        code, body, _ = self.web.call("POST", "/api/chat/callback", {
            "sender": first["sender"], "token": "0" * 43, "escalation_id": "esc_" + "0" * 26, "consent": True,
            "phone": "70 70 70 70", "name": "Angriber"})
        return held(code == 403, f"replacing the callback's phone and name without the secret: {code}")

    def kommune_fixed(self) -> Result:
        status, first = self.start("hej")
        if status != 200:
            return ("SKIPPED", f"could not start a conversation ({status})")
        code, body = self.say(first, f"{MARK}: hej igen", kommune=self.args.other_kommune)
        return held(code == 403, f"a later message with kommune {self.args.other_kommune}: {code}")

    def handoff_own_inbox(self) -> Result:
        if not self.args.handoff:
            return ("SKIPPED", "--handoff not given (it puts one hand-off in the kommune's inbox)")
        status, first = self.start("hej")
        if status != 200:
            return ("SKIPPED", f"could not start a conversation ({status})")
        code, body = self.say(first, "jeg vil tale med en medarbejder", kommune=self.args.other_kommune)
        moved = code == 200 and any((m.get("custom") or {}).get("kommune") == self.args.other_kommune
                                    for m in body.get("messages") or [])
        code2, body2 = self.say(first, "jeg vil tale med en medarbejder")
        kommuner = {m["custom"].get("kommune") for m in (body2.get("messages") or [])
                    if (m.get("custom") or {}).get("type") == "handoff"}
        return held(not moved and code == 403 and kommuner <= {self.args.kommune},
                    f"a hand-off asked for in {self.args.other_kommune}: {code}; "
                    f"the hand-off goes to {kommuner or '-'} ({code2})")

    # --- origins -----------------------------------------------------------------------------
    def origins_per_kommune(self) -> Result:
        own = {"Origin": self.args.origin}
        other = {"Origin": self.args.other_origin}
        notices_own, _, _ = self.web.call("GET", f"/api/chat/notices?kommune={self.args.kommune}", headers=own)
        if notices_own != 200:
            return ("SKIPPED", f"{self.args.origin} is not one of {self.args.kommune}'s sites here ({notices_own})")
        status, first = self.start("hej", headers=own)
        if status != 200:
            return ("SKIPPED", f"could not start a conversation from {self.args.origin} ({status})")
        polled, _, headers = self.web.call("GET", f"/api/chat/messages?sender={first['sender']}&token={first['token']}",
                                           headers=other)
        notices, _, notice_headers = self.web.call("GET", f"/api/chat/notices?kommune={self.args.kommune}",
                                                   headers=other)
        cors = "Access-Control-Allow-Origin" in headers or "Access-Control-Allow-Origin" in notice_headers
        return held(polled == 403 and notices == 403 and not cors,
                    f"{self.args.other_origin} ({self.args.other_kommune}'s site) reading a {self.args.kommune} "
                    f"conversation: {polled}, its notices: {notices}")

    # --- ratings -------------------------------------------------------------------------------
    def ratings_scoped(self) -> Result:
        status, first = self.start("mit pas er udløbet")
        if status != 200:
            return ("SKIPPED", f"could not start a conversation ({status})")
        auth = {"sender": first["sender"], "token": first["token"]}
        other, _, _ = self.web.call("POST", "/api/chat/rating",
                                    {**auth, "score": 1, "kommune": self.args.other_kommune})
        unshown, _, _ = self.web.call("POST", "/api/chat/rating", {**auth, "score": 1, "area": "ikke-vist-omraade"})
        return held(other == 403 and unshown == 400,
                    f"a rating for {self.args.other_kommune}: {other}; for an answer never shown: {unshown}")

    def ratings_once_and_limited(self) -> Result:
        if not self.args.ratings:
            return ("SKIPPED", "--ratings not given (it stores up to six ratings in the kommune's figures)")
        conversations = []
        for _ in range(6):
            status, first = self.start("hej")
            if status == 200:
                conversations.append(first)
        if len(conversations) < 6:
            return ("SKIPPED", "could not start six conversations")
        ratings = [conversations[0]] + conversations  # the first one twice
        codes = [self.web.call("POST", "/api/chat/rating", {"sender": c["sender"], "token": c["token"],
                                                            "score": 3, "comment": MARK})[0] for c in ratings]
        return held(codes[:2] == [200, 409] and 429 in codes[2:],
                    f"a conversation rating twice: {codes[:2]}; more ratings from one address at once: {codes[2:]}")

    # --- input ---------------------------------------------------------------------------------
    def json_depth(self) -> Result:
        depth = 30_000
        raw = ('{"message": "hej", "x": ' + "[" * depth + "]" * depth + "}").encode()
        code, body, _ = self.web.call("POST", "/api/chat", raw=raw)
        said = body.get("error") if isinstance(body, dict) else ""
        return held(code == 400, f"JSON nested {depth} deep: {code} {said}")

    def page_policy(self) -> Result:
        found = {}
        for path in ("/login", "/staff/", "/analyst/", "/admin/"):
            _, _, headers = self.web.call("GET", path)
            policy = {k.lower(): v for k, v in headers.items()}.get("content-security-policy", "")
            found[path] = "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        return held(all(found.values()), f"frame-ancestors 'none', no inline script: {found}")

    # --- with a kommune administrator's login ------------------------------------------------------
    def tricky_links(self) -> Result:
        if self.admin is None:
            return ("SKIPPED", "no --admin")
        path = f"/api/admin/kommuner/{self.args.kommune}/content"
        field = "solutions.pas.url"
        _, current, _ = self.admin.call("GET", path)
        before = next((f.get("input") for f in (current or {}).get("fields", []) if f.get("path") == field), None)
        tricks = ["https://evil.example\\@www.aarhus.dk/", "https://evil.example\\.aarhus.dk",
                  "https://evil.example@www.aarhus.dk/", "https://www.aarhus.dk:8443/", "https://www.\u0430arhus.dk/",
                  "https://xn--rhus-0ra.dk/"]
        saved = []
        for url in tricks:
            code, _, _ = self.admin.call("POST", path, {"changes": {field: url}})
            if code == 200:
                saved.append(url)
        if saved:  # put the kommune's own value back
            self.admin.call("POST", path, {"changes": {field: before or ""}})
        return held(not saved, f"{len(tricks) - len(saved)} of {len(tricks)} tricky links refused"
                               + (f"; SAVED (and put back): {saved}" if saved else ""))

    def redaction_and_data_requests(self) -> Result:
        if self.admin is None:
            return ("SKIPPED", "no --admin")
        pieces = {"cpr": "010203\u20101234", "cpr2": "０１０２０３－１２３４", "phone": "23\u00a045\u00a067\u00a089",
                  "mail": "anna.hansen(at)example.dk"}
        status, first = self.start(f"mit cpr er {pieces['cpr']} og {pieces['cpr2']}, ring på {pieces['phone']} "
                                   f"eller skriv til {pieces['mail']}")
        if status != 200:
            return ("SKIPPED", f"could not start a conversation ({status})")
        auth = {"sender": first["sender"], "token": first["token"]}
        code, filed, _ = self.web.call("POST", "/api/chat/data-request", {**auth, "kind": "export"})
        erase_code, erase, _ = self.web.call("POST", "/api/chat/data-request", {**auth, "kind": "erase"})
        if code != 201 or erase_code != 201:
            return ("BROKEN", f"filing a data request from the conversation: {code}, {erase_code}")
        base = f"/api/admin/kommuner/{self.args.kommune}"
        by_id, _, _ = self.admin.call("GET", f"{base}/conversations/{first['sender']}/export")
        code, export, _ = self.admin.call("GET", f"{base}/data-requests/{filed['reference']}/export")
        stored = json.dumps([t.get("text") for t in (export or {}).get("conversation", [])], ensure_ascii=False) \
            if isinstance(export, dict) else ""
        digits = re.sub(r"\D", "", re.sub(r"\\u[0-9a-f]{4}", "", stored))
        survived = [name for name, piece in pieces.items() if piece in stored] + (
            ["digits"] if len(digits) >= 4 else []) + (["mail"] if "example" in stored else [])
        self.admin.call("POST", f"{base}/data-requests/{filed['reference']}/done", {})
        erased, result, _ = self.admin.call("POST", f"{base}/data-requests/{erase['reference']}/erase",
                                            {"confirm": True})
        gone, _ = self.say(first, f"{MARK}: hej")
        return held(code == 200 and not survived and by_id == 404 and erased == 200 and gone == 403,
                    f"copy by reference: {code}, personal data left in it: {survived or 'none'}; "
                    f"by the conversation's id: {by_id}; erased: {erased}, the widget's next message: {gone}")

    def invitation_race(self) -> Result:
        if self.admin is None:
            return ("SKIPPED", "no --admin")
        tokens = []
        for _ in range(2):  # one for a weak password, one for the race
            code, body, _ = self.admin.call("POST", f"/api/admin/kommuner/{self.args.kommune}/invitations",
                                            {"role": "staff"})
            if code != 201:
                return ("SKIPPED", f"could not make an invitation ({code}: {body})")
            tokens.append(body["link"].rsplit("/", 1)[1])
        weak_name = f"probe-weak-{uuid.uuid4().hex[:6]}"
        weak, _, _ = Http(self.args.base).call("POST", f"/invitation/{tokens[0]}", form={
            "username": weak_name, "password": "123456789012a", "password2": "123456789012a"})
        token = tokens[1]
        names = [f"probe-{uuid.uuid4().hex[:8]}" for _ in range(10)]
        password = f"Probe-{uuid.uuid4().hex[:10]}-Kaffe!"

        def accept(name: str) -> int:
            return Http(self.args.base).call("POST", f"/invitation/{token}", form={
                "username": name, "password": password, "password2": password})[0]

        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            codes = list(pool.map(accept, names))
        accepted = codes.count(302)
        _, listed, _ = self.admin.call("GET", f"/api/admin/kommuner/{self.args.kommune}/accounts")
        made = [a["username"] for a in (listed or {}).get("accounts", []) if a["username"] in names]
        for name in made + ([weak_name] if weak != 400 else []):
            self.admin.call("POST", f"/api/admin/kommuner/{self.args.kommune}/accounts/{name}/remove", {})
        return held(len(made) == 1 and accepted == 1 and weak == 400,
                    f"'123456789012a' as a password: {weak}; one link used ten times at once made {len(made)} "
                    f"account(s) (removed again)")

    def login_throttle(self) -> Result:
        if not self.args.logins:
            return ("SKIPPED", "--logins not given (the names tried wait 15 minutes from this address)")
        unknown = f"findes-ikke-{uuid.uuid4().hex[:8]}"

        def attempt(name: str) -> Tuple[int, str]:
            code, body, _ = Http(self.args.base).call("POST", "/api/login", {"username": name,
                                                                             "password": f"forkert-{uuid.uuid4().hex}"})
            return code, body.get("error", "") if isinstance(body, dict) else str(body)

        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(attempt, [unknown] * 20))
        checked = sum("Forkert" in text for _, text in answers)
        waits = {text for _, text in answers if "Forkert" not in text}
        detail = f"20 wrong passwords at once for one name: {checked} checked before the wait"
        same = True
        if self.args.admin:
            for _ in range(7):
                last = attempt(self.args.admin)
            same = last[1] in waits
            detail += f"; an existing name gets the same answer: {same}"
        return held(checked <= 5 and len(waits) == 1 and same, detail)


PROBES: List[Tuple[str, Callable[[Probe], Result]]] = [
    ("conversation id alone gives nothing", Probe.conversation_id_alone),
    ("staff replies need the secret", Probe.messages_without_secret),
    ("callback cannot be replaced", Probe.callback_without_secret),
    ("kommune fixed at the start", Probe.kommune_fixed),
    ("hand-off stays in its kommune", Probe.handoff_own_inbox),
    ("origins checked per kommune", Probe.origins_per_kommune),
    ("ratings: own kommune, shown answers", Probe.ratings_scoped),
    ("deeply nested JSON", Probe.json_depth),
    ("pages cannot be framed", Probe.page_policy),
    ("tricky links refused", Probe.tricky_links),
    ("look-alike personal data redacted; data requests by reference", Probe.redaction_and_data_requests),
    ("invitation race and weak passwords", Probe.invitation_race),
    ("login guessing held back, no enumeration", Probe.login_throttle),
    ("ratings: once, rate-limited", Probe.ratings_once_and_limited),  # last: it uses up this address's budget
]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="the installation's address, e.g. https://borgerguide.example.dk")
    parser.add_argument("--kommune", default="aarhus")
    parser.add_argument("--origin", default="https://www.aarhus.dk", help="one of --kommune's widget sites")
    parser.add_argument("--other-kommune", default="odense")
    parser.add_argument("--other-origin", default="https://www.odense.dk", help="a site only --other-kommune allows")
    parser.add_argument("--admin", help="a kommune administrator of --kommune")
    parser.add_argument("--password", help="the administrator's password (or --password-file)")
    parser.add_argument("--password-file")
    parser.add_argument("--handoff", action="store_true", help="also try to move a hand-off (one lands in the inbox)")
    parser.add_argument("--ratings", action="store_true", help="also store ratings to test once-only and the limit")
    parser.add_argument("--logins", action="store_true", help="also test the login wait (names wait 15 minutes)")
    args = parser.parse_args(argv)
    probe = Probe(args)
    problem = probe.login_admin()
    if problem:
        print(f"NOTE    {problem}: the probes that need it are skipped")
    broken = 0
    for name, run in PROBES:
        try:
            verdict, detail = run(probe)
        except (OSError, KeyError, ValueError) as error:  # the installation did not answer as expected
            verdict, detail = "SKIPPED", f"{type(error).__name__}: {error}"
        broken += verdict == "BROKEN"
        print(f"{verdict:<8}{name}: {detail}", flush=True)
    print(f"\n{broken} broken" if broken else "\nnothing broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
