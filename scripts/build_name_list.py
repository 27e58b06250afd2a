#!/usr/bin/env python
"""Builds borgerguide/data/names.txt, the list of persons' names the redaction
recognises (borgerguide/redaction.py).

Sources:
- the first names and surnames of the person providers of Faker 40.54.0
  (https://github.com/joke2k/faker, MIT licence) for the languages of people
  who live in Denmark: Danish, the Nordic and European languages, Turkish,
  Arabic, Persian, Urdu/Pakistani, Tamil, Ukrainian, Russian, Polish,
  Romanian, Vietnamese, Bosnian/Croatian/Serbian, Bulgarian, Lithuanian;
- a list the project keeps itself (scripts/name_supplement.txt, CC0): common
  Danish surnames and first names and names of people with Somali, Eritrean,
  Kurdish, Afghan, Iraqi, Syrian, Pakistani, Bosnian, Ukrainian and Russian
  background (in Latin letters) that the Faker lists lack, which names are
  also everyday words, and which the lemma table lists though they are not.

Each name is marked `word` when it is also an ordinary Danish word (the
Danish lemma table of spacy-lookups-data 1.0.5, MIT licence): such a name
("Per", "Bo", "Mark", "Sol") is only taken for a name where the context says
so ("min mor hedder ...", "mvh ..."). Kommune and town names, countries and
the names of authorities and products are left out.

    pip install faker==40.54.0   # only to rebuild the list
    python scripts/build_name_list.py
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
NAME = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'-]{1,20}$")


def faker_names():
    firsts, lasts = set(), set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute, target in (("first_names", firsts), ("first_names_male", firsts),
                                  ("first_names_female", firsts), ("last_names", lasts)):
            values = getattr(provider, attribute, ()) or ()
            target.update(str(v) for v in (values.keys() if isinstance(values, dict) else values))
    return firsts, lasts


def supplement():
    """(first names, surnames, names that are also everyday words) of our own list."""
    found = {"first": set(), "last": set(), "ambiguous": set(), "notwords": set()}
    for line in SUPPLEMENT.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, names = line.partition(":")
        found[kind.strip()].update(n.strip() for n in names.split(",") if n.strip())
    return (found["first"], found["last"], {n.lower() for n in found["ambiguous"]},
            {n.lower() for n in found["notwords"]})


def danish_words():
    import spacy_lookups_data
    import srsly

    table = srsly.read_gzip_json(os.path.join(os.path.dirname(spacy_lookups_data.__file__), "data",
                                              "da_lemma_lookup.json.gz"))
    return {k.lower() for k in table} | {v.lower() for v in table.values()}


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
    from borgerguide.redaction import KEEP_WORDS

    return {w.lower() for w in KEEP_WORDS} | places()


def write_typo_words(rows, words) -> None:
    """Danish words one typo from a name or a condition: the redaction never
    takes them for a misspelt name or diagnosis ("Gælder" is not "Gulder")."""
    sys.path.insert(0, str(ROOT))
    from borgerguide.redaction import HEALTH_TERMS, _deletions

    names = {key for key, (kinds, word) in rows.items() if len(key) >= 5 and not word and "first" in kinds}
    health = {term for term in HEALTH_TERMS if " " not in term and len(term) >= 7}
    index = {}
    for target in names | health:
        index.setdefault(target, target)
        for d in _deletions(target):
            index.setdefault(d, target)
    found = set()
    for word in words:
        if len(word) < 5 or word in names or word in health:
            continue
        candidates = [word] + _deletions(word)
        hits = {index[c] for c in candidates if c in index}
        if hits and not any(word.startswith(h) or h.startswith(word) for h in hits):
            found.add(word)
    TYPO_WORDS.write_text("# Danish words one typo from a name or a condition (borgerguide/redaction.py),\n"
                          "# built by scripts/build_name_list.py from spacy-lookups-data's Danish lemma table.\n"
                          + "\n".join(sorted(found)) + "\n", encoding="utf-8")
    print(f"{TYPO_WORDS.relative_to(ROOT)}: {len(found)} words")


def main() -> int:
    firsts, lasts = faker_names()
    own_firsts, own_lasts, ambiguous, notwords = supplement()
    firsts |= own_firsts
    lasts |= own_lasts
    # the lemma table also holds some names ("jens", "mads"): our list says which are not words
    words = (danish_words() - notwords) | ambiguous
    keep = not_names()
    rows = {}
    for kind, names in (("first", firsts), ("last", lasts)):
        for name in names:
            if not NAME.match(name):
                continue
            key = name.lower()
            if key in keep:
                continue
            previous = rows.get(key, (set(), False))
            rows[key] = (previous[0] | {kind}, key in words)
    OUT.parent.mkdir(exist_ok=True)
    lines = ["# Persons' names for borgerguide/redaction.py, built by scripts/build_name_list.py.",
             "# Sources: Faker 40.54.0 person providers (MIT licence, https://github.com/joke2k/faker)",
             "# and scripts/name_supplement.txt (CC0); `word`: also a Danish word",
             "# (spacy-lookups-data 1.0.5 da_lemma_lookup, MIT licence).",
             "# name<TAB>first|last|first,last[<TAB>word]"]
    for key in sorted(rows):
        kinds, word = rows[key]
        lines.append(f"{key}\t{','.join(sorted(kinds))}" + ("\tword" if word else ""))
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_typo_words(rows, words)
    towns = sorted(places())
    PLACES.write_text("# Kommuner, towns and their spellings: never a person's name (borgerguide/redaction.py).\n"
                      "# Built by scripts/build_name_list.py from data/nlu/lookups/kommuner.yml and "
                      "content/kommune_registry.yml.\n" + "\n".join(towns) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} names ({sum(1 for _, w in rows.values() if w)} also Danish words)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
