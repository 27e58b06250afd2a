"""Links the bot shows and the sites that may embed the widget: one check,
used where a kommune's admin saves a link, where content is validated, and
before a card leaves the web service (bot/static/widget.js checks the same).

A link must be `https://` and a plain host, written so that every parser
(Python's, the browser's) reads the same host: only the letters a-z, digits,
"-" and "." (no other script, no punycode `xn--`: they can look like another
domain), no user-info (`user@`), no port, no backslash (a browser reads
`https://evil.example\\@www.aarhus.dk/` as evil.example, Python as
www.aarhus.dk), no spaces or invisible characters anywhere. The path may
hold Danish letters (the browser encodes them; they do not change the host).
Only then is the parsed host checked against an allow-list (`host_allowed`).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Optional
from urllib.parse import urlsplit

MAX_LENGTH = 2000
SCHEME = "https://"
HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
VISIBLE_ASCII = re.compile(r"[\x21-\x7e]*")


def link_problem(url: object) -> Optional[str]:
    """Why `url` is not a plain https link (Danish), or None."""
    if not isinstance(url, str) or not url.lower().startswith(SCHEME) or len(url) > MAX_LENGTH:
        return "Adressen skal begynde med https:// og være en hel webadresse."
    if "\\" in url:
        return "Adressen må ikke indeholde \\ (omvendt skråstreg)."
    if any(char.isspace() or unicodedata.category(char) in ("Cc", "Cf") for char in url):
        return "Adressen må ikke indeholde mellemrum eller usynlige tegn."
    authority = re.split(r"[/?#]", url[len(SCHEME):], maxsplit=1)[0].lower()
    if "@" in authority:
        return "Adressen må ikke have et brugernavn eller @ før domænet."
    if ":" in authority:
        return "Adressen må ikke have et portnummer (fx :8443)."
    if not VISIBLE_ASCII.fullmatch(authority) or any(label.startswith("xn--") for label in authority.split(".")):
        return ("Skriv domænet med almindelige bogstaver (a-z, 0-9 og -). Domæner med andre tegn eller xn-- "
                "tillades ikke, fordi de kan ligne et andet domæne.")
    if not HOST.fullmatch(authority) or urlsplit(url).hostname != authority:
        return "Adressen skal begynde med https:// og et domæne, fx https://www.kommune.dk/side."
    return None


def plain_host(url: object) -> Optional[str]:
    """The host of a plain https link (lower case), or None."""
    if link_problem(url) is not None:
        return None
    return re.split(r"[/?#]", str(url)[len(SCHEME):], maxsplit=1)[0].lower()


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """Is `host` one of the `allowed` domains or under one of them?"""
    return any(host == domain or host.endswith("." + domain) for domain in allowed if domain)


def origin_problem(origin: object) -> Optional[str]:
    """Why `origin` is not a site that may embed the widget (https://host, nothing more), or None."""
    problem = link_problem(origin)
    if problem:
        return problem
    if re.split(r"[?#]", str(origin)[len(SCHEME):], maxsplit=1)[0].rstrip("/").count("/") or \
            re.search(r"[?#]", str(origin)):
        return "Skriv kun adressen på hjemmesiden, som https://www.kommune.dk (uden /sti)."
    return None


def is_plain_link(url: object) -> bool:
    return link_problem(url) is None
