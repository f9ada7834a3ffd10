"""How related two articles are: TF-IDF similarity of their words, nudged by shared tags
and section, and discounted by the time between them.

Pure functions over plain values, so the bench can score a generated corpus with exactly
the code the site runs.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

KEEP = 6  # stored per article; pages show fewer
NEIGHBOURS_TO_REFRESH = 20  # lists a newly published article may enter
TAG_BONUS = 0.04  # per shared tag, at most three
SECTION_BONUS = 0.03
DECAY_DAYS = 30  # the score halves for articles this many days apart


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


class Index:
    """TF-IDF vectors of a set of articles, fitted once and queried many times."""

    def __init__(self, docs: list[Doc]):
        self.docs = docs
        self.position = {doc.id: i for i, doc in enumerate(docs)}
        self.vectorizer = TfidfVectorizer(
            stop_words="english", sublinear_tf=True, ngram_range=(1, 2), min_df=1, max_df=0.9
        )
        self.matrix = self.vectorizer.fit_transform([doc.text for doc in docs])

    def similarities(self, doc_id: int) -> np.ndarray:
        row = self.matrix[self.position[doc_id]]
        return (self.matrix @ row.T).toarray().ravel()

    def rank(self, doc_id: int, keep: int = KEEP) -> list[tuple[int, float]]:
        """The best `keep` other articles for `doc_id`, best first, with their scores."""
        me = self.docs[self.position[doc_id]]
        sims = self.similarities(doc_id)
        scored = []
        for i, other in enumerate(self.docs):
            if other.id == doc_id:
                continue
            score = float(sims[i])
            score += TAG_BONUS * min(3, len(me.tags & other.tags))
            if me.section_id is not None and me.section_id == other.section_id:
                score += SECTION_BONUS
            if me.published and other.published:
                days = abs((me.published - other.published).total_seconds()) / 86400
                score *= math.pow(0.5, days / DECAY_DAYS)
            scored.append((other.id, score))
        scored.sort(key=lambda pair: (-pair[1], -pair[0]))
        return scored[:keep]

    def nearest(self, doc_id: int, count: int = NEIGHBOURS_TO_REFRESH) -> list[int]:
        sims = self.similarities(doc_id)
        order = np.argsort(-sims)
        return [self.docs[i].id for i in order if self.docs[i].id != doc_id][:count]
