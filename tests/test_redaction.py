"""The redaction module: numbers, e-mail, bank details, documents, addresses,
health details and names (the measured recall is benchmarks/redaction.py's)."""
from __future__ import annotations

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

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
        "ring 2 gange, hvis ingen svarer",
        "jeg vil gerne have 2 pas",
        "jeg fik sygedagpenge 1. maj",
        "mit barn starter i børnehave 1. august",
        "jeg skrev til Udbetaling Danmark 1. maj",
        "kl. 10–15 3500 kr.",
    ],
)
def test_ordinary_text_is_kept(text):
    assert redact(text) == text


# --- look-alike characters (issue 20): what a keyboard, a phone or a copy from a PDF writes ---------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("mit cpr er 010203\u20101234", "mit cpr er [CPR]"),  # hyphen
        ("mit cpr er 010203\u20111234", "mit cpr er [CPR]"),  # non-breaking hyphen
        ("mit cpr er 010203\u20141234", "mit cpr er [CPR]"),  # em dash
        ("mit cpr er 010203\u22121234", "mit cpr er [CPR]"),  # minus sign
        ("mit cpr er 010203_1234", "mit cpr er [CPR]"),
        ("mit cpr er ０１０２０３－１２３４", "mit cpr er [CPR]"),  # full-width
        ("mit cpr er ٠١٠٢٠٣-١٢٣٤", "mit cpr er [CPR]"),  # Arabic-Indic digits
        ("mit cpr er 010203\u00a01234", "mit cpr er [CPR]"),
        ("mit cpr er 0102\u200b03-1234", "mit cpr er [CPR]"),  # a zero-width space inside
        ("ring på 12\u00a034\u00a056\u00a078", "ring på [TELEFON]"),
        ("ring på 12\u202f34\u202f56\u202f78", "ring på [TELEFON]"),
        ("ring på ２３ ４５ ６７ ８９", "ring på [TELEFON]"),
        ("ring på (+45) 23 45 67 89", "ring på [TELEFON]"),
        ("ring på +45\u00a02345\u00a06789", "ring på [TELEFON]"),
        ("skriv til anna.hansen＠example.dk", "skriv til [EMAIL]"),
        ("skriv til anna.hansen(at)example.dk", "skriv til [EMAIL]"),
        ("skriv til anna.hansen [at] example.dk", "skriv til [EMAIL]"),
        ("skriv til jørgen.møller@example.dk", "skriv til [EMAIL]"),
        # the citizen's own text is kept as written around what is removed
        ("ring\u00a0på 12\u00a034\u00a056\u00a078\u00a0– tak", "ring\u00a0på [TELEFON]\u00a0– tak"),
    ],
)
def test_look_alike_characters_do_not_hide_personal_data(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "Borgerservice har åbent kl.\u00a010–15",
    "Lyngby\u2011Taarbæk Kommune – hvornår har I åbent?",
    "jeg skal flytte 1.\u00a0maj — kan I hjælpe?",
    "\ufeffhej, jeg har mistet mit sundhedskort",
    "ﬁnd min side på borger.dk",
])
def test_typography_in_clean_text_is_kept_as_written(text):
    assert redact(text) == text


# --- property-based: the many ways people and keyboards write a number or an address ----------------------

DIGITS = {  # digit sets a citizen's keyboard or a copied text may give
    "ascii": "0123456789",
    "full-width": "".join(chr(0xFF10 + d) for d in range(10)),
    "arabic-indic": "".join(chr(0x0660 + d) for d in range(10)),
    "persian": "".join(chr(0x06F0 + d) for d in range(10)),
    "math-bold": "".join(chr(0x1D7CE + d) for d in range(10)),
}
DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe63", "\uff0d", "_"]
SPACES = [" ", "\u00a0", "\u202f", "\u2009", "\u2007", "\u2002", "\u3000"]
INVISIBLE = ["\u200b", "\u00ad", "\u2060", "\ufeff"]



def _digits(draw, digits: str) -> str:
    """The digits in one digit set (a keyboard writes a whole number in one), with now and then an invisible
    character between two of them (copied from a PDF or a web page)."""
    chosen = DIGITS[draw(st.sampled_from(sorted(DIGITS)))]
    out = []
    for digit in digits:
        if out and draw(st.integers(0, 19)) == 0:
            out.append(draw(st.sampled_from(INVISIBLE)))
        out.append(chosen[int(digit)])
    return "".join(out)


def _gap(draw, dash_too: bool = True) -> str:
    """What people put between groups of digits: nothing, a space of any kind, a dash of any kind."""
    kind = draw(st.sampled_from(["none", "space", "dash", "spaced dash"] if dash_too else ["none", "space"]))
    if kind == "none":
        return ""
    if kind == "space":
        return draw(st.sampled_from(SPACES))
    dash = draw(st.sampled_from(DASHES))
    return dash if kind == "dash" else draw(st.sampled_from(SPACES)) + dash + draw(st.sampled_from(SPACES))


@st.composite
def cpr_numbers(draw) -> str:
    day = draw(st.integers(1, 28))
    month = draw(st.integers(1, 12))
    year = draw(st.integers(0, 99))
    serial = draw(st.integers(0, 9999))
    date = f"{day:02d}{month:02d}{year:02d}"
    if draw(st.booleans()):  # 010203-1234, 0102031234, 010203 1234 ...
        written = _digits(draw, date)
    else:  # 01.02.03-1234, 01 02 03 1234, 01/02/03-1234
        separator = draw(st.sampled_from([".", "/", "-"] + SPACES))
        written = separator.join(_digits(draw, date[i:i + 2]) for i in (0, 2, 4))
    return written + _gap(draw) + _digits(draw, f"{serial:04d}")


@st.composite
def phone_numbers(draw) -> str:
    digits = str(draw(st.integers(2, 9))) + "".join(str(draw(st.integers(0, 9))) for _ in range(7))
    grouping = draw(st.sampled_from(["8", "2222", "44"]))
    if grouping == "8":
        number = _digits(draw, digits)
    else:
        gap = _gap(draw, dash_too=draw(st.booleans()))
        if not gap:
            gap = " "
        sizes = [2, 2, 2, 2] if grouping == "2222" else [4, 4]
        parts, at = [], 0
        for size in sizes:
            parts.append(_digits(draw, digits[at:at + size]))
            at += size
        number = gap.join(parts)
    prefix = draw(st.sampled_from(["", "+45", "0045", "(+45)", "+45", "+ 45"]))
    if prefix:
        prefix = prefix.replace("45", _digits(draw, "45")).replace("00", _digits(draw, "00"))
        prefix = prefix.replace("+", draw(st.sampled_from(["+", "＋"])))
        prefix += draw(st.sampled_from(SPACES + ["", "-"]))
    return prefix + number


LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøå0123456789", min_size=3, max_size=12)


@st.composite
def email_addresses(draw) -> str:
    local = draw(LOCAL) + draw(st.sampled_from(["", ".", "_", "-", "+"])) + draw(LOCAL)
    domain = draw(st.sampled_from(["example.dk", "mail.tele.dk", "gmail.com", "hotmail.dk", "outlook.com",
                                   "post.aarhus.dk", "ældresagen.dk", "live.co.uk"]))
    at = draw(st.sampled_from(["@", "＠", "﹫", " @ ", "(at)", " (at) ", "[at]", " [at] ", "(snabel-a)"]))
    address = local + at + domain
    return address.upper() if draw(st.integers(0, 9)) == 0 else address


CONTEXTS = {  # (before, after): around the personal data, the way citizens write (in Danish, English, Ukrainian)
    "CPR": [("mit cpr er ", ""), ("cpr: ", " tak"), ("min søns cpr-nummer er ", "."), ("", " er mit cpr"),
            ("my CPR number is ", ", thanks"), ("Мій номер CPR ", ", дякую")],
    "TELEFON": [("ring på ", ""), ("mit nummer er ", ", tak"), ("tlf. ", ""), ("", " er mit nummer"),
                ("please call me on ", ""), ("мій телефон ", ".")],
    "EMAIL": [("skriv til ", ""), ("min mail er ", " tak"), ("mail: ", "."), ("my email is ", " thanks"),
              ("пишіть на ", ", будь ласка")],
}


def _check(kind: str, written: str, context) -> None:
    before, after = context
    text = before + written + after
    assert redact(text) == f"{before}[{kind}]{after}", repr(text)


@settings(max_examples=300, deadline=None)
@given(cpr_numbers(), st.sampled_from(CONTEXTS["CPR"]))
def test_no_written_cpr_number_survives(written, context):
    _check("CPR", written, context)


@settings(max_examples=300, deadline=None)
@given(phone_numbers(), st.sampled_from(CONTEXTS["TELEFON"]))
def test_no_written_phone_number_survives(written, context):
    _check("TELEFON", written, context)


@settings(max_examples=300, deadline=None)
@given(email_addresses(), st.sampled_from(CONTEXTS["EMAIL"]))
def test_no_written_email_address_survives(written, context):
    _check("EMAIL", written, context)


# Clean Danish: words (no names, no health, nothing personal), typography of every kind between them, and
# the numbers citizens write that are not personal (times, dates, amounts, years).
CLEAN_WORDS = """jeg du vi skal vil kan har er ikke også gerne hvordan hvornår hvor hvad hjælp hjælpe flytte
flytning sundhedskort pas kørekort boligstøtte børnecheck sygedagpenge vuggestue børnehave skole affald
genbrugsplads bibliotek selvbetjening ansøgning ansøge søge blanket digital post brev breve mitid app telefon
åbent åbningstid lukket borgerservice kommunen kommune borger.dk skat.dk aarhus odense københavn vejle
tak hej spørgsmål svar frist betale koster pris regning tid booke bestille møde""".split()
CLEAN_PHRASES = ["kl. 10–15", "kl. 10-15", "1. maj", "1. maj", "3500 kr.", "i 2024,", "i ２０２４,",
                 "den 24. december", "Lyngby‑Taarbæk", "MitID‑appen", "sagsnummer 2024-123",
                 "Borgerservice", "Udbetaling Danmark", "Aarhus Kommune"]
JOINERS = [" ", " ", " ", " ", ", ", " – ", " — ", ". ", "? ", " ", " ‑ "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CLEAN_WORDS + CLEAN_PHRASES), st.sampled_from(JOINERS)),
                min_size=1, max_size=14))
def test_clean_danish_text_is_left_as_it_was(pieces):
    text = "".join(word + joiner for word, joiner in pieces).strip()
    assert redact(text) == text


# --- English and Ukrainian (issue 21): the bot talks Danish, English and Ukrainian -------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        # names after what says a name follows, in English
        ("Hi, my name is Sarah Whitfield", "Hi, my name is [NAVN]"),
        ("I am Olena and I need help", "I am [NAVN] and I need help"),
        ("I'm Tetiana from Lviv", "I'm [NAVN] from Lviv"),
        ("this is Dmitry speaking", "this is [NAVN] speaking"),
        ("Hi, Olena here, I wrote yesterday", "Hi, [NAVN] here, I wrote yesterday"),
        ("call me Kate", "call me [NAVN]"),
        ("my mother Margaret has dementia", "my mother [NAVN] has [HELBRED]"),
        ("our daughter Mia starts school", "our daughter [NAVN] starts school"),
        ("my neighbour Mrs Thompson fell", "my neighbour [NAVN] fell"),
        ("Femke de Vries is my wife", "[NAVN] is my wife"),
        ("Anna's health card has not arrived", "[NAVN] health card has not arrived"),
        ("Kind regards, Ruth Hughes", "Kind regards, [NAVN]"),
        # Ukrainian and Russian names in Latin letters, without any context
        ("Oksana Melnyk needs a new appointment", "[NAVN] needs a new appointment"),
        ("Mykola Shevchenko and Yuliia Kovalenko moved to Odense", "[NAVN] and [NAVN] moved to Odense"),
        ("Natalia and Serhiy Tkachenko need help", "[NAVN] and [NAVN] need help"),
        # names in Cyrillic, in the case the sentence puts them
        ("мене звати олена", "мене звати [NAVN]"),
        ("Мене звати Олена Петрівна Шевченко", "Мене звати [NAVN]"),
        ("Я — Микола Бондаренко, мені потрібен MitID", "Я — [NAVN], мені потрібен MitID"),
        ("моя мама Галина хворіє на діабет", "моя мама [NAVN] хворіє на [HELBRED]"),
        ("з чоловіком Андрієм ми переїхали до Орхуса", "з чоловіком [NAVN] ми переїхали до Орхуса"),
        ("для сина Тараса потрібне місце в школі", "для сина [NAVN] потрібне місце в школі"),
        ("Прошу записати Ірину Гончаренко на курси", "Прошу записати [NAVN] на курси"),
        ("Лист для Коваленко Ірини Василівни", "Лист для [NAVN]"),
        ("Чи можна поговорити з Оленою?", "Чи можна поговорити з [NAVN]?"),
        ("Дякую, Олено!", "Дякую, [NAVN]!"),
        ("З повагою, Наталія Шевчук", "З повагою, [NAVN]"),
        ("Меня зовут Наталья Иванова", "Меня зовут [NAVN]"),
        # health, addresses, documents and accounts in English and Ukrainian
        ("I have type 1 diabetes", "I have [HELBRED]"),
        ("my son was diagnosed with leukaemia", "my son was diagnosed with [HELBRED]"),
        ("I'm on chemotherapy for breast cancer", "I'm on [HELBRED] for [HELBRED]"),
        ("у мене цукровий діабет 2 типу", "у мене [HELBRED]"),
        ("після інсульту батько погано ходить", "після [HELBRED] батько погано ходить"),
        ("Я хворію на депресію", "Я хворію на [HELBRED]"),
        ("у доньки астма і епілепсія", "у доньки [HELBRED] і [HELBRED]"),
        ("I live at 14 Church Street, York YO1 7HH", "I live at [ADRESSE], [ADRESSE]"),
        ("Я живу на вул. Хрещатик, 22, кв. 5 у Києві", "Я живу на [ADRESSE] у Києві"),
        ("Я живу за адресою Søndergade 14, 2. th, 8700 Horsens", "Я живу за адресою [ADRESSE], [ADRESSE]"),
        ("мій номер паспорта FX123456", "мій номер паспорта [DOKUMENT]"),
        ("Номер закордонного паспорта GA 318592", "Номер закордонного паспорта [DOKUMENT]"),
        ("номер рахунку 0001234567", "номер рахунку [KONTO]"),
        ("passport FT412983, residence card DK7731904", "passport [DOKUMENT], residence card [DOKUMENT]"),
    ],
)
def test_personal_data_in_english_and_ukrainian_is_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    # English words that are names too, where they are words
    "Will my health card arrive before May?",
    "Hope you can help me with my tax return",
    "Is there a grace period if I pay the bill late?",
    "Mark my application as urgent please",
    "The walker is broken, can I get a new one?",
    "thank you for your patience with me",
    "my dad cant walk far",
    "I am Danish and live in Aarhus",
    "I'm Ukrainian and have temporary protection",
    "I am new in Denmark and need help with MitID",
    "Dear Citizen Service, when are you open?",
    "International House appointment for EU registration",
    "I'm going to Spain on holiday, do I need the blue card?",
    "we came from India, how do I appeal to Ankestyrelsen?",
    "borrow walking aids from the kommune",
    "subsidy for foot treatment for pensioners",
    "click Apply here and log in with MitID",
    "Call LOKK on the phone if you need help",
    # Ukrainian words that are names too, places in their cases, what looks like a street
    "Слава Україні! Дякую Данії за підтримку",
    "Надія тільки на вас, допоможіть з MitID",
    "Рада, що все вийшло! Дякую",
    "я рада, що ви допомогли",
    "Віра в краще допомагає",
    "Сильний мороз, чи працює сьогодні Borgerservice?",
    "Я з Києва, живу в Орхусі, а мама з Одеси",
    "Я переїхала з Копенгагена до Вайле",
    "платимо 9000 в місяць за квартиру",
    "одинокий батько, які гроші на дитину",
    "дозвіл на проживання для дитини, яка народилась у данії",
    "Лист від Skattestyrelsen прийшов данською, чи можна перекласти?",
    "Мій чоловік у лікарні, чи можу я говорити від його імені?",
    "Я хворію і не можу прийти на зустріч у понеділок",
])
def test_english_and_ukrainian_ordinary_text_is_kept(text):
    assert redact(text) == text


def test_names_in_cyrillic_and_their_latin_spellings_are_in_the_list():
    from borgerguide.redaction import _names

    kinds, words, typo, lower = _names()
    for name in ("олена", "тарас", "шевченко", "коваленко", "наталья", "петрівна", "olena", "mykola",
                 "shevchenko", "yuliia", "yulia", "dmitriy", "dmitry"):
        assert name in kinds, name
    assert kinds["петрівна"] == "middle"
    assert {"надія", "віра", "grace", "hope"} <= words  # words too: only with context
    assert "walker" in lower and "walker" not in words  # a word in lower case only
    assert not any(CYRILLIC_LETTER.search(name) for name in typo)  # no typo matching in Cyrillic
    assert "ostap" in kinds and "ostap" not in typo  # nor of names only written in Latin letters from Cyrillic


def _build_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "build_name_list.py"
    spec = importlib.util.spec_from_file_location("build_name_list", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name, language, spellings", [
    ("Олена", "uk", {"olena"}),
    ("Юлія", "uk", {"yuliia", "yulia", "yulya"}),
    ("Андрій", "uk", {"andrii", "andriy"}),
    ("Олег", "uk", {"oleh", "oleg"}),
    ("Гнатюк", "uk", {"hnatiuk", "hnatyuk", "gnatyuk"}),
    ("Згурський", "uk", {"zghurskyi"}),
    ("Євген", "uk", {"yevhen", "yevgen"}),
    ("Дмитрий", "ru", {"dmitriy", "dmitry", "dmitrii"}),
    ("Наталья", "ru", {"natalya", "natalia"}),
    ("Алексей", "ru", {"aleksey", "aleksei", "alexey", "alexei"}),
])
def test_ukrainian_and_russian_names_are_spelt_in_latin_letters_as_documents_spell_them(name, language, spellings):
    assert spellings <= _build_script().latin_spellings(name, language)


CYRILLIC_LETTER = __import__("re").compile("[\u0400-\u04ff]")

# Names as Ukrainian grammar puts them after words that say a name follows: (nominative, genitive, instrumental)
UKRAINIAN_NAMES = [("Олена", "Олени", "Оленою"), ("Тарас", "Тараса", "Тарасом"), ("Андрій", "Андрія", "Андрієм"),
                   ("Микола", "Миколи", "Миколою"), ("Наталія", "Наталії", "Наталією"),
                   ("Дмитро", "Дмитра", "Дмитром"), ("Ірина", "Ірини", "Іриною"), ("Василь", "Василя", "Василем"),
                   ("Юлія", "Юлії", "Юлією"), ("Олександр", "Олександра", "Олександром")]
UKRAINIAN_SURNAMES = [("Шевченко", "Шевченко", "Шевченко"), ("Ткачук", "Ткачука", "Ткачуком"),
                      ("Коваленко", "Коваленка", "Коваленком"), ("Гнатюк", "Гнатюка", "Гнатюком")]
UKRAINIAN_CONTEXTS = [  # (before, case, after)
    ("Мене звати ", 0, ", я з Харкова"), ("Добрий день! Я — ", 0, "."), ("Чи отримав лист ", 0, "?"),
    ("Лист для ", 1, " ще не прийшов"), ("Запишіть, будь ласка, ", 1, " на курси"),
    ("Ми прийдемо разом з ", 2, " у понеділок"), ("З повагою, ", 0, ""),
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(UKRAINIAN_NAMES), st.one_of(st.none(), st.sampled_from(UKRAINIAN_SURNAMES)),
       st.sampled_from(UKRAINIAN_CONTEXTS))
def test_a_ukrainian_name_in_any_case_is_replaced(name, surname, context):
    before, case, after = context
    written = name[case] + ("" if surname is None else " " + surname[case])
    assert redact(before + written + after) == before + "[NAVN]" + after, before + written + after


ENGLISH_CUES = [("My name is ", "."), ("this is ", " speaking"), ("Hi, ", " here, I wrote yesterday"),
                ("my mother ", " needs a walker"), ("Can my husband ", " come to the meeting?"),
                ("Kind regards, ", ""), ("call me ", " please")]
LATIN_NAMES = ["Oksana", "Mykola", "Yuliia", "Serhiy Bondarenko", "Olena Hnatiuk", "Sarah", "Priya Raman",
               "Tomasz Nowak", "Ahmed", "Dmitry Ivanov", "Kateryna Savchuk"]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(LATIN_NAMES), st.sampled_from(ENGLISH_CUES))
def test_a_name_after_an_english_cue_is_replaced(name, context):
    before, after = context
    assert redact(before + name + after) == before + "[NAVN]" + after


# Clean English and Ukrainian: words (no names, nothing personal) of what citizens ask about, with words that are
# names elsewhere where they are words ("will", "may", "hope", "рада", "надія", "мороз"), places in their
# cases, and typography between them.
CLEAN_ENGLISH = """i you we can could will would may hope need help how when where what is are my the a to for
in on with new health card passport move moving address letter form apply pay bill rent benefit pension
daycare school doctor walker wheelchair sick leave tax return grace period please thanks hello good morning
kommune citizen service denmark danish english ukrainian aarhus odense copenhagen monday may june august
""".split()
CLEAN_ENGLISH_PHRASES = ["Udbetaling Danmark", "Digital Post", "MitID", "Borgerservice", "SIRI", "Aarhus",
                         "Citizen Service", "International House", "kl. 10-15", "3500 kr.", "in 2024,", "1. maj",
                         "I am Danish", "I'm new here", "Skattestyrelsen", "Copenhagen", "May"]
CLEAN_UKRAINIAN = """я ми ви як коли де що чи можна потрібно допомога допоможіть дякую будь ласка добрий день
лист картка паспорт адреса переїзд житло оплата рахунок пенсія садочок школа лікар ролятор курси данської
мови роботу сьогодні завтра понеділок серпні грудні мама тато син донька мені нам дітям надія віра рада
мороз любов слава світ мир щастя доля які яка який
""".split()
CLEAN_UKRAINIAN_PHRASES = ["у Києві", "з Харкова", "в Орхусі", "до Копенгагена", "у Данії", "Україні",
                           "Borgerservice", "MitID", "Digital Post", "Udbetaling Danmark", "kl. 10–15",
                           "3500 kr.", "у 2024 році,", "Слава Україні!"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CLEAN_ENGLISH + CLEAN_ENGLISH_PHRASES), st.sampled_from(JOINERS)),
                min_size=1, max_size=14))
def test_clean_english_text_is_left_as_it_was(pieces):
    text = "".join(word + joiner for word, joiner in pieces).strip()
    assert redact(text) == text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CLEAN_UKRAINIAN + CLEAN_UKRAINIAN_PHRASES), st.sampled_from(JOINERS)),
                min_size=1, max_size=14))
def test_clean_ukrainian_text_is_left_as_it_was(pieces):
    text = "".join(word + joiner for word, joiner in pieces).strip()
    assert redact(text) == text
