"""Redaction of personal data in citizen text, before it is stored, logged,
shown to staff or counted by analysts.

What is replaced (each by a marker that says what was there):
- CPR numbers: `DDMMYY-XXXX`, `DDMMYYXXXX`, `DDMMYY XXXX`, `DD.MM.YY-XXXX`,
  `DD MM YY XXXX`, also with `/` or en dash; only where the first six digits
  form a possible date (so ordinary ten-digit numbers are kept).  -> [CPR]
- Phone numbers: Danish 8-digit numbers written together or in groups
  (`12345678`, `12 34 56 78`, `1234 5678`), with or without `+45`/`0045`,
  and other international numbers starting with `+`.               -> [TELEFON]
- E-mail addresses.                                                  -> [EMAIL]

Not recognised (documented limits): names, addresses and health details in
free text. Analysts' and staff's screens show the redacted text only, and
the retention job removes conversations after the configured period.
"""
from __future__ import annotations

import re

CPR_MARK = "[CPR]"
PHONE_MARK = "[TELEFON]"
EMAIL_MARK = "[EMAIL]"

_SEP = r"[ .\-/–]?"
CPR = re.compile(
    r"(?<![\d])"
    r"(0[1-9]|[12]\d|3[01])" + _SEP + r"(0[1-9]|1[0-2])" + _SEP + r"(\d{2})"
    r"\s?[-–/ ]?\s?(\d{4})"
    r"(?![\d])"
)
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+|00)\s?45[ \-]?)?"
    r"(?:\d{2}[ \-]?\d{2}[ \-]?\d{2}[ \-]?\d{2}|\d{4}[ \-]\d{4})"
    r"(?![\d])"
    r"|(?<![\w])\+\d{1,3}[ \-]?\d{2,4}(?:[ \-]?\d{2,4}){2,4}(?![\d])"
)


def redact_cpr(text: str) -> str:
    return CPR.sub(CPR_MARK, text)


def redact_email(text: str) -> str:
    return EMAIL.sub(EMAIL_MARK, text)


def redact_phone(text: str) -> str:
    return PHONE.sub(PHONE_MARK, text)


def redact(text: str) -> str:
    """All of the above; CPR first, so that a CPR number is never read as a phone."""
    if not text:
        return text
    return redact_phone(redact_email(redact_cpr(text)))
