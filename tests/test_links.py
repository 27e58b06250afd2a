"""Links: the bot shows, and a kommune's admin saves, only links whose host a
browser reads as the parser does (issue 20): parsed first, then the parsed
host checked against the allow-list; backslashes, user-info, ports, hosts
with other scripts or punycode are refused. The widget checks the same
(tests/test_widget.py renders a card with such a link)."""
from __future__ import annotations

import pytest

from borgerguide import content_admin
from borgerguide.catalogue import is_https_url
from borgerguide.kommune_content import url_problem

AARHUS = "https://www.aarhus.dk"
TRICKS = [
    "https://evil.example\\@www.aarhus.dk/",  # the browser goes to evil.example, Python read www.aarhus.dk
    "https://evil.example\\.aarhus.dk",  # the browser: host evil.example, path /.aarhus.dk
    "https://evil.example@www.aarhus.dk/",
    "https://user:pw@www.aarhus.dk/",
    "https://www.aarhus.dk:8443/",
    "https://www.aarhus.dk:443/",
    "https://www.\u0430arhus.dk/",  # Cyrillic а
    "https://xn--www-aarhus-6ib.dk/",  # punycode
    "https://www.xn--rhus-0ra.aarhus.dk/",
    "https://www.aarhus.dk%2f@evil.example/",
    "https://www.aarhus.dk\t.evil.example/",
    "https://www.aarhus.dk /",
    "https://www.aarhus.dk.evil.example/",
    "https://evilaarhus.dk/",
    "https://127.0.0.1/",
    "https://www.aarhus.dk./",
    "http://www.aarhus.dk/",
    "https:/www.aarhus.dk/",
    "//www.aarhus.dk/",
    "javascript:alert(1)//https://www.aarhus.dk",
    "HTTPS://evil.example\\@www.aarhus.dk/",
    "https://www.aarhus.dk/\u202egpj.exe",  # right-to-left override
    "https://www.aarhus.dk/a\u200bb",  # zero-width space
]
FINE = ["https://www.aarhus.dk/borger/flytning", "https://aarhus.dk", "https://www.borger.dk/sundhed?x=1#a",
        "https://WWW.Aarhus.dk/Borger", "https://selvbetjening.aarhus.dk/", "https://www.borger.dk",
        "https://www.aarhus.dk/borger/flytning-til-århus"]  # Danish letters in the path: the browser encodes them


@pytest.mark.parametrize("url", TRICKS, ids=repr)
def test_a_tricky_link_is_refused_where_an_admin_saves_it(url):
    assert url_problem(url, AARHUS) is not None
    changes, problems = content_admin.prepare_changes("aarhus", {"solutions.pas.url": url})
    assert problems and not changes, url


@pytest.mark.parametrize("url", FINE)
def test_a_plain_link_of_the_kommune_or_a_national_site_is_saved(url):
    assert url_problem(url, AARHUS) is None


@pytest.mark.parametrize("url", [u for u in TRICKS if "aarhus.dk.evil" not in u and "evilaarhus" not in u],
                         ids=repr)
def test_the_content_validators_refuse_the_same_tricks(url):
    assert not is_https_url(url)


@pytest.mark.parametrize("origin", ["https://evil.example\\@www.aarhus.dk", "https://www.aarhus.dk:8443",
                                    "https://user@www.aarhus.dk", "https://www.\u0430arhus.dk",
                                    "https://www.aarhus.dk/sti", "http://www.aarhus.dk"], ids=repr)
def test_a_tricky_widget_site_is_refused(origin):
    changes, problems = content_admin.prepare_changes("aarhus", {"widget_origins": origin})
    assert problems and not changes


def test_the_problem_is_said_in_danish():
    assert "omvendt skråstreg" in url_problem("https://evil.example\\@www.aarhus.dk/", AARHUS)
    assert "brugernavn" in url_problem("https://evil.example@www.aarhus.dk/", AARHUS)
    assert "port" in url_problem("https://www.aarhus.dk:8443/", AARHUS)
    assert "almindelige bogstaver" in url_problem("https://www.\u0430arhus.dk/", AARHUS)
