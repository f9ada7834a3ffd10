"""How related two articles are: TF-IDF similarity of their words, nudged by shared tags
and section, and discounted by the time between them.

Pure functions over plain values, so the bench can score a generated corpus with exactly
the code the site runs. A `Vocabulary` (terms and their IDF) can be fitted once over a
whole archive, stored, and reused to compare a handful of candidates: that is how a
publication stays cheap at 100,000 articles (see services.py).
"""

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

KEEP = 6  # stored per article; pages show fewer
NEIGHBOURS_TO_REFRESH = 20  # lists a newly published article may enter
TAG_BONUS = 0.04  # per shared tag, at most three
SECTION_BONUS = 0.03
DECAY_DAYS = 30  # the score halves for articles this many days apart
MAX_TERMS = 300_000  # a stored vocabulary keeps the archive's most frequent terms


@dataclass
class Doc:
    id: int
    title: str
    standfirst: str
    body: str
    section_id: int | None = None
    tags: frozenset[str] = field(default_factory=frozenset)
    published: datetime | None = None

    @property
    def text(self) -> str:
        # The headline and standfirst say what a story is about; weigh them up.
        return " ".join([self.title] * 3 + [self.standfirst] * 2 + [self.body])


def _vectorizer(**options) -> "TfidfVectorizer":
    # Imported here: web processes load this module when an editor publishes (to enqueue
    # the refresh), and must not take on scikit-learn for it; the worker does the work.
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        stop_words="english", sublinear_tf=True, ngram_range=(1, 2), dtype=np.float32, **options
    )


class Vocabulary:
    """Terms and their inverse document frequencies, fitted over a set of texts.

    Stored as compressed JSON rather than a pickle: loading it runs no code.
    """

    def __init__(self, vectorizer: "TfidfVectorizer"):
        self.vectorizer = vectorizer

    @classmethod
    def fit(cls, texts: Iterable[str], max_terms: int | None = None) -> "Vocabulary":
        texts = list(texts)
        # A term in one article of a large archive says nothing about relatedness.
        min_df = 2 if len(texts) > 1000 else 1
        try:
            vectorizer = _vectorizer(min_df=min_df, max_df=0.9, max_features=max_terms)
            vectorizer.fit(texts)
        except ValueError:  # a tiny archive whose every word is common: keep them all
            vectorizer = _vectorizer(max_features=max_terms, token_pattern=r"(?u)\b\w+\b")  # noqa: S106
            vectorizer.fit([*texts, "-"])
        return cls(vectorizer)

    def transform(self, texts: list[str]):
        return self.vectorizer.transform(texts)

    def dumps(self) -> bytes:
        terms = sorted(self.vectorizer.vocabulary_, key=self.vectorizer.vocabulary_.get)
        payload = {"terms": terms, "idf": [round(float(v), 5) for v in self.vectorizer.idf_]}
        return zlib.compress(json.dumps(payload).encode(), 6)

    @classmethod
    def loads(cls, blob: bytes) -> "Vocabulary":
        payload = json.loads(zlib.decompress(blob))
        vectorizer = _vectorizer(vocabulary={t: i for i, t in enumerate(payload["terms"])})
        vectorizer.fit(["x"])  # sets up the fixed vocabulary; the IDF is replaced below
        vectorizer.idf_ = np.asarray(payload["idf"], dtype=np.float32)
        return cls(vectorizer)

    def top_words(self, text: str, count: int) -> list[str]:
        """The single words that weigh most in `text`: a search query for candidates."""
        row = self.transform([text])
        names = self.vectorizer.get_feature_names_out()
        order = np.argsort(-row.data)
        words = [names[row.indices[i]] for i in order if " " not in names[row.indices[i]]]
        return words[:count]


class Index:
    """TF-IDF vectors of a set of articles, compared with each other.

    Without a vocabulary the set is its own archive (fitted here); with one, the set is a
    few candidates measured against a whole archive's statistics.
    """

    def __init__(self, docs: list[Doc], vocabulary: Vocabulary | None = None):
        self.docs = docs
        self.position = {doc.id: i for i, doc in enumerate(docs)}
        self.vocabulary = vocabulary or Vocabulary.fit(doc.text for doc in docs)
        self.matrix = self.vocabulary.transform([doc.text for doc in docs])
        self.ids = np.array([doc.id for doc in docs])
        self.sections = np.array([doc.section_id or -1 for doc in docs])
        self.published = np.array(
            [doc.published.timestamp() if doc.published else np.nan for doc in docs]
        )

    def similarities(self, doc_id: int) -> np.ndarray:
        row = self.matrix[self.position[doc_id]]
        return (self.matrix @ row.T).toarray().ravel()

    def scores(self, doc_id: int) -> np.ndarray:
        """Every article's score against `doc_id` (its own is -inf). Symmetric in the pair."""
        i = self.position[doc_id]
        me = self.docs[i]
        scores = self.similarities(doc_id).astype(np.float64)
        if me.tags:
            shared = [min(3, len(me.tags & other.tags)) for other in self.docs]
            scores += TAG_BONUS * np.asarray(shared)
        if me.section_id is not None:
            scores += SECTION_BONUS * (self.sections == me.section_id)
        if me.published:
            days = np.abs(self.published - self.published[i]) / 86400
            scores *= np.where(np.isnan(days), 1.0, np.power(0.5, days / DECAY_DAYS))
        scores[i] = -np.inf
        return scores

    def rank(self, doc_id: int, keep: int = KEEP) -> list[tuple[int, float]]:
        """The best `keep` other articles for `doc_id`, best first, with their scores."""
        scores = self.scores(doc_id)
        order = np.lexsort((-self.ids, -scores))  # best score first; newer id breaks ties
        return [(int(self.ids[j]), float(scores[j])) for j in order[: min(keep, len(order) - 1)]]

    def nearest(self, doc_id: int, count: int = NEIGHBOURS_TO_REFRESH) -> list[int]:
        sims = self.similarities(doc_id)
        order = np.argsort(-sims, kind="stable")
        return [int(self.ids[j]) for j in order if self.ids[j] != doc_id][:count]
