"""The content in a conversation's language (docs/languages.md).

Danish content is where it always was (content/solutions.yml, topics/,
answers/, questions.yml, areas.yml, authorities.yml); each other language's
texts are in content/lang/<code>/ under the same ids. These functions give a
solution's card, a topic's card, a follow-up answer or a name in a language:
the language's own text; where a text is missing, English, then Danish
(logged once; `python -m borgerguide.languages` lists what is missing).
A kommune's own texts are Danish and apply to Danish conversations; its own
page (a url) applies in every language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from borgerguide import contract
from borgerguide.answers import FACT_TYPES, Answer, answer_for, host_title, load_answers
from borgerguide.catalogue import Solution
from borgerguide.content import content_dir, read_yaml
from borgerguide.languages import DANISH, fallbacks, lang_file, mapping, warn_once
from borgerguide.topics import Topic, authorities


@dataclass(frozen=True)
class Page:
    """A page of the self-service in the conversation's language."""

    url: str
    title: str


@dataclass(frozen=True)
class View:
    """A solution's or topic's texts in one language."""

    lang: str
    title: str
    intro: str
    steps: Tuple[str, ...]
    name: str = ""
    variants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    troubleshooting: Tuple[str, ...] = ()
    page: Optional[Page] = None
    danish_only: bool = False

    def intro_for(self, variant: Optional[str]) -> str:
        if variant and variant in self.variants and self.variants[variant].get("intro"):
            return str(self.variants[variant]["intro"])
        return self.intro

    def steps_for(self, variant: Optional[str]) -> List[str]:
        if variant and variant in self.variants and self.variants[variant].get("steps"):
            return [str(s) for s in self.variants[variant]["steps"]]
        return list(self.steps)


def _entry(lang: str, file: str, section: str, entry_id: str) -> Tuple[str, Mapping[str, Any]]:
    """The first language of the fallback chain that translates the entry, and its texts."""
    for code in fallbacks(lang):
        if code == DANISH:
            break
        found = mapping(mapping(lang_file(code, file).get(section)).get(entry_id))
        if found:
            if code != lang:
                warn_once(lang, f"{file}:{entry_id}")
            return code, found
    return DANISH, {}


def _page(texts_: Mapping[str, Any]) -> Optional[Page]:
    page = mapping(texts_.get("page"))
    url = page.get("url")
    return Page(str(url), str(page.get("title") or host_title(str(url)))) if isinstance(url, str) else None


def solution_view(solution: Solution, lang: str, overrides: Optional[Mapping[str, Any]] = None) -> View:
    """A solution's card texts in `lang`; a kommune's own steps and intro in Danish only."""
    if lang == DANISH:
        overrides = overrides or {}
        variants = {key: dict(value) for key, value in solution.variants.items()}
        return View(DANISH, solution.title, str(overrides.get("intro", solution.intro)),
                    tuple(overrides.get("steps", solution.steps)), solution.title, variants, solution.troubleshooting)
    code, found = _entry(lang, "solutions.yml", "solutions", solution.id)
    if not found:
        return solution_view(solution, DANISH)
    return View(code, str(found.get("title") or solution.title), str(found.get("intro") or solution.intro),
                tuple(found.get("steps") or solution.steps), str(found.get("title") or solution.title),
                {str(k): dict(v) for k, v in mapping(found.get("variants")).items()},
                tuple(found.get("troubleshooting") or solution.troubleshooting), _page(found),
                bool(found.get("danish_only")))


def topic_view(topic: Topic, lang: str, overrides: Optional[Mapping[str, Any]] = None) -> View:
    """A topic's card texts in `lang`; a kommune's own steps and intro in Danish only."""
    if lang == DANISH:
        overrides = overrides or {}
        return View(DANISH, topic.title, topic.intro_for(None, overrides), tuple(topic.steps_for(None, overrides)),
                    topic.name, {}, topic.troubleshooting)
    code, found = _entry(lang, "topics.yml", "topics", topic.id)
    if not found:
        return topic_view(topic, DANISH)
    return View(code, str(found.get("title") or topic.title), str(found.get("intro") or topic.intro),
                tuple(found.get("steps") or topic.steps), str(found.get("name") or topic.name), {},
                topic.troubleshooting, _page(found), bool(found.get("danish_only")))


def area_name(intent: str, lang: str) -> str:
    """A service area's short name (buttons, analytics) in `lang`."""
    for code in fallbacks(lang):
        names = mapping(lang_file(code, "areas.yml").get("areas")) if code != DANISH else {}
        if code == DANISH:
            names = read_yaml(content_dir() / "areas.yml")["areas"]
        if names.get(intent):
            return str(names[intent])
    return intent


def authority_name(authority: str, lang: str) -> str:
    if lang != DANISH:
        _, found = _entry(lang, "authorities.yml", "authorities", authority)
        if found.get("name"):
            return str(found["name"])
    return str(authorities().get(authority, {}).get("name") or authority)


def card(view: View, entry: Any, kommune_page: str, overrides: Mapping[str, Any], variant: Optional[str],
         authority: Optional[str] = None) -> Dict[str, Any]:
    """The card of a solution or topic in the view's language: the page in the
    language where there is one, else the kommune's or the national page."""
    url = view.page.url if view.page else str(overrides.get("url") or getattr(entry, "url", None) or kommune_page)
    extra: Dict[str, Any] = {"lang": view.lang}
    if view.page:
        extra["page_title"] = view.page.title
    if view.danish_only:
        extra["danish_only"] = True
    steps = tuple(view.steps_for(variant))
    if isinstance(entry, Topic) and entry.referral:
        payload = contract.ReferralCard(topic=entry.id, authority=entry.authority, title=view.title, url=url,
                                        login=entry.login, phone=entry.phone if entry.phone_verified else None,
                                        steps=steps, authority_name=authority).to_dict()
    elif isinstance(entry, Topic):
        payload = contract.SolutionCard(solution_id=entry.id, title=view.title, url=url, login=entry.login,
                                        steps=steps, help={**entry.help, **mapping(overrides.get("help"))},
                                        topic=entry.id).to_dict()
    else:
        payload = contract.SolutionCard(solution_id=entry.id, title=view.title, url=url, login=entry.login,
                                        steps=steps, help={**entry.help, **mapping(overrides.get("help"))},
                                        variant=variant if variant in entry.variants else None).to_dict()
    return {**payload, **extra} if view.lang != DANISH else payload


def answer_in(matter: str, question: str, lang: str, kommune_faq: Optional[Mapping[str, Any]] = None,
              kommune_page: Optional[str] = None, child: bool = False) -> Answer:
    """A follow-up answer in `lang`: the national answer translated (its source
    the translation's, where it gives one, else the Danish page), or the
    general / honest answer of the language's questions.yml. `kommune_faq`
    is the kommune's own answers in `lang` (written in that language in /admin/),
    which come first as in Danish."""
    if lang == DANISH:
        return answer_for(matter, question, kommune_faq, kommune_page, child)
    own_answer = (kommune_faq or {}).get(question)
    if isinstance(own_answer, str) and own_answer.strip():
        return answer_for(matter, question, {question: own_answer}, kommune_page, child)
    danish = answer_for(matter, question, None, None, child)
    entry = mapping(load_answers().get(matter, {}).get(question))
    if danish.kind == "national":
        for code in fallbacks(lang):
            if code == DANISH:
                break
            own = mapping(mapping(lang_file(code, f"answers/{matter}.yml").get("answers")).get(question))
            text = own.get("child") if child and own.get("child") else own.get("text")
            if text:
                source = own.get("source") or danish.source
                title = host_title(str(source)) if source else None
                return Answer(question, " ".join(str(text).split()), source, title, danish.year, "national")
        warn_once(lang, f"answers/{matter}.yml:{question}")
    kind = "unknown" if danish.kind == "unknown" or (entry.get("unknown") and question in FACT_TYPES) else danish.kind
    if kind == "national":
        return danish  # no translation in any language but Danish: the Danish answer, logged above
    key = "unknown" if kind == "unknown" else ("child" if child and question_text(question, "child", lang)
                                                  else "general")
    return Answer(question, question_text(question, key, lang) or danish.text, None, None, None, kind)


def question_text(question: str, key: str, lang: str) -> Optional[str]:
    """A question type's `name`, `general`, `child` or `unknown` text in `lang`
    (content/questions.yml in Danish, content/lang/<code>/questions.yml)."""
    for code in fallbacks(lang):
        data = read_yaml(content_dir() / "questions.yml") if code == DANISH else lang_file(code, "questions.yml")
        value = mapping(mapping(data.get("questions")).get(question)).get(key)
        if value:
            if code != lang:
                warn_once(lang, f"questions.yml:{question}.{key}")
            return str(value)
    return None


def question_name(question: str, lang: str) -> str:
    return question_text(question, "name", lang) or question


def missing_content(lang: str) -> List[str]:
    """What `lang` does not translate of the content (cards, answers, names,
    question types, the domain's responses); Danish lacks nothing."""
    if lang == DANISH:
        return []
    from borgerguide.catalogue import load_catalogue
    from borgerguide.content import REPO_ROOT
    from borgerguide.topics import load_topics

    found: List[str] = []
    solutions = mapping(lang_file(lang, "solutions.yml").get("solutions"))
    for solution in load_catalogue().solutions.values():
        own = mapping(solutions.get(solution.id))
        absent = [f for f in ("title", "intro", "steps") if not own.get(f)]
        absent += [f"variants.{v}" for v in solution.variants if not mapping(mapping(own.get("variants")).get(v))]
        if absent:
            found.append(f"solutions.yml: {solution.id}: {', '.join(absent)}")
    topics = mapping(lang_file(lang, "topics.yml").get("topics"))
    for topic in load_topics().values():
        own = mapping(topics.get(topic.id))
        absent = [f for f in ("name", "title", "intro", "steps") if not own.get(f)]
        if absent:
            found.append(f"topics.yml: {topic.id}: {', '.join(absent)}")
    for matter, entries in sorted(load_answers().items()):
        own = mapping(lang_file(lang, f"answers/{matter}.yml").get("answers"))
        for question, entry in entries.items():
            entry = mapping(entry)
            if entry.get("unknown"):
                continue
            mine = mapping(own.get(question))
            absent = [f for f in ("text", "child") if entry.get(f) and not mine.get(f)]
            if absent:
                found.append(f"answers/{matter}.yml: {question}: {', '.join(absent)}")
    areas = mapping(lang_file(lang, "areas.yml").get("areas"))
    found += [f"areas.yml: {a}" for a in read_yaml(content_dir() / "areas.yml")["areas"] if not areas.get(a)]
    names = mapping(lang_file(lang, "authorities.yml").get("authorities"))
    found += [f"authorities.yml: {a}" for a in authorities() if not mapping(names.get(a)).get("name")]
    questions = mapping(lang_file(lang, "questions.yml").get("questions"))
    danish_questions = mapping(read_yaml(content_dir() / "questions.yml").get("questions"))
    for question, texts_ in danish_questions.items():
        absent = [k for k in mapping(texts_) if not mapping(questions.get(question)).get(k)]
        if absent:
            found.append(f"questions.yml: {question}: {', '.join(absent)}")
    responses = mapping(lang_file(lang, "responses.yml"))
    domain = read_yaml(REPO_ROOT / "domain.yml")
    found += [f"responses.yml: {name}" for name in mapping(domain.get("responses"))
              if not mapping(responses.get(name)).get("text")]
    return found
