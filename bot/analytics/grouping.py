"""Groups of similar unresolved messages, so that one new need (or one broken
solution) shows up as one group, not as fifty single messages.

How: each message is normalised the way citizens write (lower case, æ/ø/å and
their ASCII spellings made equal, digits and redaction markers removed, common
Danish function words dropped), turned into character n-grams within words
(robust to typos and inflection) plus word unigrams, TF-IDF weighted, and
clustered by average-linkage agglomerative clustering on cosine distance with
a fixed threshold. Deterministic for the same messages; a group's id is
derived from its members, so labelling a group labels exactly what was shown.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

DISTANCE_THRESHOLD = 0.9  # chosen on tests/data/grouping_paraphrases.yml: no mixed group from 0.75 to 0.93
MAX_MESSAGES = 3000

STOPWORDS = set("""
af alle alt at bare blev bliver da de dem den denne der deres det dette dig din du efter eller en end er et
for fra ham han har hun hvad hvis hvor hvordan hvorfor i ikke ind jeg jer kan kunne lige man med meg mig min
mine mit mod må naar når noget nogen nu og ogsaa også om op os paa på sig sin skal skulle som så til ud
under var vi vil ville være vaere hej hejsa tak venligst please lidt godt god dag the
hvem ved set se gør gøre goer goere hele ringe kontakte anmelde bestille hjælp hjaelp hjælpe hjaelpe spørgsmål
""".split())
_MARKERS = re.compile(r"\[(CPR|TELEFON|EMAIL)\]")
_NON_WORD = re.compile(r"[^a-z ]+")


def fold(word: str) -> str:
    word = word.replace("æ", "ae").replace("ø", "oe").replace("å", "aa").replace("é", "e")
    return _NON_WORD.sub(" ", word)


def normalise(text: str) -> str:
    text = fold(_MARKERS.sub(" ", text.lower()))
    words = [w for w in text.split() if w not in STOPWORDS and len(w) > 1]
    return " ".join(words)


def as_written(keywords: Sequence[str], texts: Sequence[str]) -> List[str]:
    """The group's keywords as citizens wrote them ("svømmehallen", not the folded "svoemmehallen")."""
    spellings: Dict[str, Counter] = {}
    for text in texts:
        for word in _MARKERS.sub(" ", text.lower()).split():
            word = word.strip(".,!?:;\"'()")
            folded = fold(word).strip()
            if folded in keywords and " " not in folded:
                spellings.setdefault(folded, Counter())[word] += 1
    return [spellings[k].most_common(1)[0][0] if k in spellings else k for k in keywords]


@dataclass
class Group:
    id: str
    members: List[int]          # indexes into the messages given
    keywords: List[str]
    size: int


def group_texts(texts: Sequence[str], threshold: float = DISTANCE_THRESHOLD) -> List[Group]:
    """Groups texts; the biggest group first. Single texts are groups of one."""
    if not texts:
        return []
    normalised = [normalise(t) for t in texts]
    labels = _cluster(normalised, threshold)
    by_label: Dict[int, List[int]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, []).append(index)
    groups = []
    for members in by_label.values():
        words = Counter(w for i in members for w in set(normalised[i].split()))
        keywords = [w for w, n in words.most_common(4) if n > 1 or len(members) == 1][:4]
        groups.append(Group(id="", members=members, keywords=keywords, size=len(members)))
    groups.sort(key=lambda g: (-g.size, g.members[0]))
    return groups


def _cluster(normalised: List[str], threshold: float) -> List[int]:
    if len(normalised) == 1:
        return [0]
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    documents = [n or "_" for n in normalised]
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(documents)
    words = TfidfVectorizer(analyzer="word", token_pattern=r"\S+", sublinear_tf=True).fit_transform(documents)
    vectors = normalize(hstack([chars, words * 0.7]).tocsr())
    distances = 1.0 - (vectors @ vectors.T).toarray()
    np.clip(distances, 0.0, 2.0, out=distances)
    np.fill_diagonal(distances, 0.0)
    model = AgglomerativeClustering(n_clusters=None, affinity="precomputed", linkage="average",
                                    distance_threshold=threshold)  # scikit-learn 1.1 (Rasa's pin) names it `affinity`
    return list(model.fit_predict(distances))


def group_id(message_ids: Sequence[int]) -> str:
    digest = hashlib.sha256(",".join(str(i) for i in sorted(message_ids)).encode()).hexdigest()
    return "grp_" + digest[:12]


def group_messages(messages: Sequence, threshold: float = DISTANCE_THRESHOLD,
                   limit: Optional[int] = MAX_MESSAGES) -> List[Dict]:
    """Groups analytics.Message objects; returns JSON-ready groups."""
    messages = list(messages)[:limit] if limit else list(messages)
    groups = group_texts([m.text for m in messages], threshold)
    out = []
    for group in groups:
        members = [messages[i] for i in group.members]
        intents = Counter(m.intent for m in members if m.intent)
        reasons = Counter(m.reason for m in members)
        kommuner = Counter(m.kommune or "ukendt" for m in members)
        out.append({
            "id": group_id([m.id for m in members]),
            "size": group.size,
            "keywords": as_written(group.keywords, [m.text for m in members]),
            "reasons": dict(reasons.most_common()),
            "top_intents": [{"name": n, "count": c} for n, c in intents.most_common(3)],
            "kommuner": dict(kommuner.most_common(5)),
            "first": min(m.at for m in members).isoformat(),
            "last": max(m.at for m in members).isoformat(),
            "messages": [m.public() for m in members],
            "distinct": _distinct(members),
        })
    return out


def _distinct(members: Sequence) -> List[Dict]:
    """The group's different texts, most frequent first, each with one example."""
    by_text: Dict[str, Dict] = {}
    for message in members:
        entry = by_text.setdefault(message.text.strip().lower(),
                                   {"count": 0, "example": message.public(), "ids": []})
        entry["count"] += 1
        entry["ids"].append(message.id)
    return sorted(by_text.values(), key=lambda e: -e["count"])
