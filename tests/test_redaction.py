"""The redaction module: numbers, e-mail, bank details, documents, addresses,
health details and names (the measured recall is benchmarks/redaction.py's)."""
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
        ("postnummer 8000 Aarhus C", "postnummer [ADRESSE]"),
        ("vi flytter til Birkevej 7, 1. tv, 5000 Odense C", "vi flytter til [ADRESSE], [ADRESSE]"),
        ("jeg bor på nørregade 14 st th", "jeg bor på [ADRESSE]"),
        ("c/o Jensen", "[ADRESSE]"),
        ("reg. nr. 1234 kontonr. 0012345678", "reg. nr. [KONTO]"),
        ("pengene skal ind på 4321-9876543210", "pengene skal ind på [KONTO]"),
        ("IBAN DK50 0040 0440 1162 43", "IBAN [KONTO]"),
        ("mit pasnummer er 206543987", "mit pasnummer er [DOKUMENT]"),
        ("kørekortnummer: 12345678", "kørekortnummer: [DOKUMENT]"),
        ("jeg hedder Birgitte Mølgaard", "jeg hedder [NAVN]"),
        ("min mor hedder inge og er 84", "min mor hedder [NAVN] og er 84"),
        ("mvh Abdirahman", "mvh [NAVN]"),
        ("min søn Oskar skal i skole", "min søn [NAVN] skal i skole"),
        ("Nguyen Van Minh skal have nyt pas", "[NAVN] skal have nyt pas"),
        ("min far har demens og parkinson", "min far har [HELBRED] og [HELBRED]"),
        ("jeg er i behandling for brystkræft", "jeg er i behandling for [HELBRED]"),
        ("hun får kemo og har mistet håret", "hun får [HELBRED] og har mistet håret"),
        ("min søn har ADHD", "min søn har [HELBRED]"),
    ],
)
def test_personal_data_is_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "jeg skal flytte 1. maj 2027",
        "jeg skal flytte til Aarhus",
        "hvornår har Borgerservice i Lyngby-Taarbæk åbent",
        "Udbetaling Danmark har ikke svaret, og MitID virker ikke på min iPhone",
        "min mor skal have en rollator og en kørestol",
        "kan jeg få sygedagpenge når jeg er sygemeldt",
        "jeg fik 3500 kr i boligstøtte i 2024",
        "loven træder i kraft 1. januar",
        "Kan jeg søge om paryk og ortopædiske sko",
        "jeg er 87 år og har boet her i 45 år",
        "sagsnummer 2024-123",
        "kl. 10-15",
        "",
        "999999-9999 er ikke en dato",
    ],
)
def test_ordinary_text_is_kept(text):
    assert redact(text) == text
