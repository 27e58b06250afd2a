#!/usr/bin/env python
"""Builds borgerguide/data/names.txt, the list of persons' names the redaction
recognises (borgerguide/redaction.py).

Sources:
- the first names and surnames of the person providers of Faker 40.54.0
  (https://github.com/joke2k/faker, MIT licence) for the languages of people
  who live in Denmark: Danish, the Nordic and European languages, Turkish,
  Arabic, Persian, Urdu/Pakistani, Tamil, Ukrainian, Russian, Polish,
  Romanian, Vietnamese, Bosnian/Croatian/Serbian, Bulgarian, Lithuanian;
  the Ukrainian and Russian ones in Cyrillic as Faker has them, with their
  patronymics (`middle`: "Петрівна", "Іванович");
- a list the project keeps itself (scripts/name_supplement.txt, CC0): common
  Danish surnames and first names and names of people with Somali, Eritrean,
  Kurdish, Afghan, Iraqi, Syrian, Pakistani, Bosnian, Ukrainian and Russian
  background (in Latin letters, and Ukrainian first names in Cyrillic) that
  the Faker lists lack, which names are also everyday words, and which the
  lemma tables list though they are not;
- the Ukrainian and Russian first names and surnames written in Latin letters
  the way citizens and their documents write them (`translit`): Ukrainian by
  the national transliteration of 2010 that Ukrainian passports use
  ("Олена" Olena, "Шевченко" Shevchenko, "Юлія" Yuliia) and its common
  variants (Yulia, Yulya, Serhiy, Oleg); Russian by the BGN/PCGN and the ICAO
  (passport) systems (Dmitriy, Dmitry, Dmitrii).

Each name is marked `word` when it is also an ordinary Danish or English word
(the Danish and English lemma tables of spacy-lookups-data 1.0.5, MIT licence;
for names in Cyrillic the supplement's `ambiguous` list of Ukrainian and
Russian words such as "Надія", "Віра", "Мороз"): such a name ("Per", "Bo",
"Mark", "Grace", "Sol") is only taken for a name where the context says so
("min mor hedder ...", "my name is ...", "мене звати ...") or where it is
written with a capital letter in the middle of a sentence. Kommune and town
names, countries and the names of authorities and products are left out.

    pip install faker==40.54.0   # only to rebuild the list
    python scripts/build_name_list.py

The output depends only on these sources: running it twice gives the same files.
"""
from __future__ import annotations

import importlib
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "borgerguide" / "data" / "names.txt"
PLACES = ROOT / "borgerguide" / "data" / "places.txt"
TYPO_WORDS = ROOT / "borgerguide" / "data" / "typo_words.txt"
SUPPLEMENT = ROOT / "scripts" / "name_supplement.txt"
LOCALES = ["da_DK", "sv_SE", "no_NO", "fi_FI", "is_IS", "de_DE", "nl_NL", "en_GB", "en_US", "fr_FR", "es_ES",
           "it_IT", "pt_BR", "pl_PL", "lt_LT", "lv_LV", "et_EE", "ro_RO", "bg_BG", "hr_HR", "cs_CZ", "sk_SK",
           "hu_HU", "el_GR", "uk_UA", "ru_RU", "tr_TR", "ar_AA", "ar_SA", "ar_PS", "fa_IR", "en_PK", "ta_IN",
           "hi_IN", "vi_VN", "th_TH", "sw", "en_NG"]
LATIN = "A-Za-zÀ-ÖØ-öø-ÿĀ-ž"
CYRILLIC = "А-ЯЁЄІЇҐа-яёєіїґ"
NAME = re.compile(rf"^[{LATIN}][{LATIN}'-]{{1,20}}$|^[{CYRILLIC}][{CYRILLIC}'-]{{1,24}}$")
CYRILLIC_LOCALES = {"uk_UA": "uk", "ru_RU": "ru"}
APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "`": "'"})


def faker_names():
    """(first names, surnames, patronymics, {name in Cyrillic: "uk" or "ru"})."""
    firsts, lasts, middles, cyrillic = set(), set(), set(), {}
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute, target in (("first_names", firsts), ("first_names_male", firsts),
                                  ("first_names_female", firsts), ("last_names", lasts),
                                  ("middle_names", middles)):
            if attribute == "middle_names" and locale not in CYRILLIC_LOCALES:
                continue
            values = getattr(provider, attribute, ()) or ()
            names = [str(v).translate(APOSTROPHES) for v in (values.keys() if isinstance(values, dict) else values)]
            target.update(names)
            if locale in CYRILLIC_LOCALES and attribute != "middle_names":
                for name in names:
                    cyrillic.setdefault(name, CYRILLIC_LOCALES[locale])
    return firsts, lasts, middles, cyrillic


# --- Ukrainian and Russian names in Latin letters -----------------------------------------------------------
# Ukrainian: the national transliteration (Cabinet of Ministers resolution 55 of 2010, in Ukrainian passports);
# at the start of a name є ї й ю я are Ye Yi Y Yu Ya.
UK_LATIN = {"а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh", "з": "z",
            "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
            "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
            "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "", "-": "-"}
UK_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
# Russian: BGN/PCGN (Dmitriy, Natalya, Yevgeniy) and ICAO, as in Russian passports (Dmitrii, Natalia, Evgenii)
RU_BGN = {"а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
          "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
          "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
          "ь": "", "э": "e", "ю": "yu", "я": "ya", "'": "", "-": "-"}
RU_ICAO = dict(RU_BGN, **{"ё": "e", "й": "i", "ъ": "ie", "ю": "iu", "я": "ia"})
VOWELS = "аеёиоуыэюяєіїь'ъ"
# how else people write the same name: Yulia for Yuliia, Andriy for Andrii, Oleg for Oleh, Hnatyuk for Hnatiuk
UK_VARIANTS = ((r"iia$", "ia"), (r"ii$", "iy"), (r"(?<=[^aeiouy])iu", "yu"), (r"(?<=[^aeiouy])ia", "ya"),
               (r"(?<![kzcs])h", "g"))
RU_VARIANTS = ((r"iy$", "y"), (r"ey$", "ei"), (r"^ye", "e"), (r"ks", "x"))


def _transliterate(name: str, table, initial=None) -> str:
    key = name.lower()
    if initial:  # Ukrainian: "зг" is "zgh", so that it is not read as "ж"
        key = key.replace("зг", "з\u0000")
    out = []
    for index, char in enumerate(key):
        if char == "\u0000":
            out.append("gh")
        elif initial and char in initial and (index == 0 or key[index - 1] == "-"):
            out.append(initial[char])
        elif table is RU_BGN and char == "е" and (index == 0 or key[index - 1] in VOWELS):
            out.append("ye")
        else:
            out.append(table.get(char, ""))
    return "".join(out)


def _variants(latin: str, rules) -> set:
    found = {latin}
    for pattern, replacement in rules:
        found |= {re.sub(pattern, replacement, name) for name in found}
    return found


def latin_spellings(name: str, language: str) -> set:
    """The ways a Ukrainian or Russian name is written in Latin letters."""
    if language == "uk":
        return _variants(_transliterate(name, UK_LATIN, UK_INITIAL), UK_VARIANTS)
    return (_variants(_transliterate(name, RU_BGN), RU_VARIANTS)
            | _variants(_transliterate(name, RU_ICAO), RU_VARIANTS[:1]))


def supplement():
    """(first names, surnames, names that are also everyday words, names that are not) of our own list."""
    found = {"first": set(), "last": set(), "ambiguous": set(), "notwords": set()}
    for line in SUPPLEMENT.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, names = line.partition(":")
        found[kind.strip()].update(n.strip().translate(APOSTROPHES) for n in names.split(",") if n.strip())
    return (found["first"], found["last"], {n.lower() for n in found["ambiguous"]},
            {n.lower() for n in found["notwords"]})


def lemma_words(language: str):
    """The words (forms and lemmas) of spacy-lookups-data's lemma table of a language."""
    import spacy_lookups_data
    import srsly

    table = srsly.read_gzip_json(os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data",
                                              f"{language}_lemma_lookup.json.gz"))
    return {k.lower() for k in table} | {v.lower() for v in table.values()}


def danish_words():
    return lemma_words("da")


def english_probabilities():
    import spacy_lookups_data
    import srsly

    return srsly.read_gzip_json(os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data",
                                             "en_lexeme_prob.json.gz"))


def english_words(prob):
    """English words that are written in lower case more often than with a capital letter (spacy-lookups-data's
    English word probabilities): "will", "hope", "grace", "patience" are words; "peter", "martin", "lisa" are
    first of all names, though the lemma table has them too."""
    return {w for w, p in prob.items() if p > -16.0 and w.isalpha() and w.islower()
            and p > prob.get(w.capitalize(), -99.0)}


def english_lower_words(prob):
    """English words when written in lower case: "walker", "york", "house" (the lemma table, and any
    word that is not rare in lower case)."""
    return lemma_words("en") | {w for w, p in prob.items() if p > -13.5 and w.isalpha() and w.islower()}


def places():
    """The kommuner, their towns and the spellings citizens use
    (data/nlu/lookups/kommuner.yml and content/kommune_registry.yml)."""
    import yaml

    names = set()
    lookup = yaml.safe_load((ROOT / "data" / "nlu" / "lookups" / "kommuner.yml").read_text(encoding="utf-8"))
    for block in lookup["nlu"]:
        names.update(line.strip()[2:].strip().lower() for line in block["examples"].splitlines() if line.strip())
    registry = yaml.safe_load((ROOT / "content" / "kommune_registry.yml").read_text(encoding="utf-8"))
    for entry in registry["kommuner"]:
        names.update({entry["short"].lower(), entry["id"]})
    return {n for n in names if n}


def not_names():
    """Places, countries, authorities and products: never a person here."""
    sys.path.insert(0, str(ROOT))
    from borgerguide.redaction import KEEP_WORDS, _countries

    return {w.lower() for w in KEEP_WORDS} | places() | set(_countries())


def write_typo_words(rows, words) -> None:
    """Danish and English words one typo from a name or a condition: the
    redaction never takes them for a misspelt name or diagnosis ("Gælder" is
    not "Gulder", "Hello" is not "Helle")."""
    sys.path.insert(0, str(ROOT))
    from borgerguide.redaction import HEALTH_TERMS, _deletions, typo_name

    names = {key for key, (kinds, flags) in rows.items() if typo_name(key, kinds, flags)}
    health = {term for term in HEALTH_TERMS if " " not in term and len(term) >= 7}
    index: dict = {}
    for target in names | health:
        for d in [target] + _deletions(target):
            index.setdefault(d, set()).add(target)
    found = set()
    for word in words:
        if len(word) < 5 or word in names or word in health:
            continue
        hits = set().union(*(index.get(c, set()) for c in [word] + _deletions(word)))
        # a word that only adds to or leaves off the end of a name ("Karens") is that name
        if any(not (word.startswith(h) or h.startswith(word)) for h in hits):
            found.add(word)
    TYPO_WORDS.write_text("# Danish and English words one typo from a name or a condition (borgerguide/redaction.py),\n"
                          "# built by scripts/build_name_list.py from spacy-lookups-data's Danish and English\n"
                          "# lemma tables.\n" + "\n".join(sorted(found)) + "\n", encoding="utf-8")
    print(f"{TYPO_WORDS.relative_to(ROOT)}: {len(found)} words")


def is_cyrillic(name: str) -> bool:
    return bool(re.search(f"[{CYRILLIC}]", name))


def main() -> int:
    firsts, lasts, middles, cyrillic = faker_names()
    own_firsts, own_lasts, ambiguous, notwords = supplement()
    firsts |= own_firsts
    lasts |= own_lasts
    for name in own_firsts | own_lasts:
        if is_cyrillic(name):
            cyrillic.setdefault(name, "uk")
    # the lemma tables also hold some names ("jens", "mads", "anna"): our list says which are not words
    prob = english_probabilities()
    words = ((danish_words() | english_words(prob)) - notwords) | ambiguous
    # written in lower case, an English word ("walker", "baker", "hall"); with a capital, a name first of all.
    # Not for the names citizens in Denmark commonly have (our own list)
    lower_words = english_lower_words(prob) - notwords - {name.lower() for name in own_firsts | own_lasts}
    # in Cyrillic a name is written with a capital letter, and a word at the start of a sentence is what the
    # flag is for there ("Надія тільки на вас", "Слава Україні"): the supplement lists those words
    cyrillic_words = {word for word in ambiguous if is_cyrillic(word)}
    keep = not_names()
    rows: dict = {}

    def add(name: str, kind: str, translit: bool = False) -> None:
        if not NAME.match(name):
            return
        key = name.lower()
        if key in keep:
            return
        kinds, flags = rows.get(key, (set(), set()))
        flags = set(flags)
        if key in (cyrillic_words if is_cyrillic(key) else words):
            flags.add("word")
        elif key in lower_words:
            flags.add("lower")
        if translit and not kinds:
            flags.add("translit")
        elif not translit:
            flags.discard("translit")
        rows[key] = (kinds | {kind}, flags)

    for kind, names in (("first", firsts), ("last", lasts), ("middle", middles)):
        for name in sorted(names):
            add(name, kind)
    for kind, names in (("first", firsts), ("last", lasts)):
        for name in sorted(names & set(cyrillic)):
            for latin in sorted(latin_spellings(name, cyrillic[name])):
                add(latin, kind, translit=True)
    # a word that is a case of a name ("Слава": "Слав") but an everyday word too ("Слава Україні!")
    sys.path.insert(0, str(ROOT))
    from borgerguide.redaction import _cyrillic_base

    for word in sorted(cyrillic_words):
        if word not in rows and _cyrillic_base(word, rows):
            rows[word] = ({"first"}, {"word"})
    OUT.parent.mkdir(exist_ok=True)
    lines = ["# Persons' names for borgerguide/redaction.py, built by scripts/build_name_list.py.",
             "# Sources: Faker 40.54.0 person providers (MIT licence, https://github.com/joke2k/faker)",
             "# and scripts/name_supplement.txt (CC0); `word`: also a Danish or English word",
             "# (spacy-lookups-data 1.0.5 da_lemma_lookup, en_lemma_lookup and en_lexeme_prob, MIT licence;",
             "# for Cyrillic names the supplement); `lower`: an English word when written in lower case;",
             "# `translit`: only as a Ukrainian or Russian name written in Latin letters.",
             "# name<TAB>first|last|middle|first,last[<TAB>word|lower][<TAB>translit]"]
    for key in sorted(rows):
        kinds, flags = rows[key]
        lines.append("\t".join([key, ",".join(sorted(kinds))] + [f for f in ("word", "lower", "translit")
                                                                  if f in flags]))
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_typo_words(rows, (danish_words() | english_lower_words(prob)) - notwords)
    towns = sorted(places())
    PLACES.write_text("# Kommuner, towns and their spellings: never a person's name (borgerguide/redaction.py).\n"
                      "# Built by scripts/build_name_list.py from data/nlu/lookups/kommuner.yml and "
                      "content/kommune_registry.yml.\n" + "\n".join(towns) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} names ({sum(1 for k in rows if is_cyrillic(k))} in Cyrillic, "
          f"{sum(1 for _, f in rows.values() if 'translit' in f)} written in Latin letters from Cyrillic, "
          f"{sum(1 for _, f in rows.values() if 'word' in f)} also words)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
