"""The redaction module: CPR numbers, phone numbers and e-mail addresses."""
from __future__ import annotations

import pytest

from borgerguide.redaction import redact


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mit cpr er 010203-1234", "mit cpr er [CPR]"),
        ("cpr 0102031234 tak", "cpr [CPR] tak"),
        ("cpr: 010203 1234", "cpr: [CPR]"),
        ("01.02.03-1234", "[CPR]"),
        ("31 12 99 4321 er mit nummer", "[CPR] er mit nummer"),
        ("cprnr 311299–4321.", "cprnr [CPR]."),
        ("min søns cpr er 150620-1236 og min er 010170-1235", "min søns cpr er [CPR] og min er [CPR]"),
        ("ring på 12 34 56 78", "ring på [TELEFON]"),
        ("ring på 12345678", "ring på [TELEFON]"),
        ("tlf +45 1234 5678", "tlf [TELEFON]"),
        ("tlf 0045 12 34 56 78!", "tlf [TELEFON]!"),
        ("mit svenske nummer +46 70 123 45 67", "mit svenske nummer [TELEFON]"),
        ("skriv til anna.hansen@example.dk", "skriv til [EMAIL]"),
        ("cpr 0102031234 tlf 22334455 mail a@b.dk", "cpr [CPR] tlf [TELEFON] mail [EMAIL]"),
    ],
)
def test_personal_data_is_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "jeg skal flytte 1. maj 2027",
        "postnummer 8000 Aarhus C",
        "jeg er 87 år og har boet her i 45 år",
        "sagsnummer 2024-123",
        "kl. 10-15",
        "",
        "999999-9999 er ikke en dato",
    ],
)
def test_ordinary_text_is_kept(text):
    assert redact(text) == text
