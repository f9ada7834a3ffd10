"""The spam score of a comment, 0 (ham) to 1 (spam), and the words that weighed most.

Cold start: a small rule score (links, the usual spam vocabulary, shouting). Once
moderators have made enough decisions, a naive Bayes classifier (scikit-learn) trained
on this site's approved and spam comments takes over, retrained in the background as
decisions accumulate. Its state is stored as compressed JSON (terms and their log-odds),
never a pickle.
"""

import json
import math
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

URL = re.compile(r"(?:https?://|www\.)([^\s/)\]]+)[^\s)\]]*", re.I)
HINTS = {
    "casino": 0.35, "viagra": 0.5, "cialis": 0.5, "crypto": 0.25, "bitcoin": 0.2,
    "forex": 0.3, "loan": 0.2, "loans": 0.25, "porn": 0.5, "seo": 0.25, "backlinks": 0.4,
    "followers": 0.2, "earn": 0.15, "click here": 0.3, "buy now": 0.3, "free money": 0.4,
    "work from home": 0.3, "whatsapp": 0.25, "telegram": 0.2, "guaranteed": 0.2,
    "cheap": 0.2, "discount": 0.2, "promo": 0.2, "bonus": 0.15, "betting": 0.3,
    "replica": 0.3, "weight loss": 0.3, "dm me": 0.25, "investment": 0.1, "profit": 0.1,
}  # fmt: skip
HINT = re.compile(r"(?<!\w)(" + "|".join(re.escape(h) for h in HINTS) + r")(?!\w)", re.I)
MIN_EACH_CLASS = 10  # decisions of each kind before the trained filter is trusted


def prepare(text: str) -> str:
    """Links become a token and their domain, which the classifier can learn from."""
    return URL.sub(lambda m: f" linktoken {m.group(1).lower()} ", text)


def rule_score(text: str) -> tuple[float, list[str]]:
    evidence, score = [], 0.0
    links = len(URL.findall(text))
    if links:
        score += 0.25 if links == 1 else 0.45
        evidence.append(f"{links} link{'s' * (links != 1)}")
    for hint in {h.lower() for h in HINT.findall(text)}:
        score += HINTS[hint]
        evidence.append(hint)
    letters = [c for c in text if c.isalpha()]
    if len(letters) > 20 and sum(c.isupper() for c in letters) / len(letters) > 0.6:
        score += 0.2
        evidence.append("shouting")
    if "!!!" in text or "$$" in text:
        score += 0.1
        evidence.append("!!!" if "!!!" in text else "$$")
    return min(1.0, score), evidence


@dataclass
class Model:
    terms: dict[str, int]
    log_odds: np.ndarray  # per term: log P(term|spam) - log P(term|ham)
    prior: float  # log P(spam) - log P(ham)
    ham: int
    spam: int

    @classmethod
    def train(cls, texts: list[str], labels: list[int]) -> "Model":
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.naive_bayes import MultinomialNB

        vectorizer = CountVectorizer(
            ngram_range=(1, 2), min_df=1, max_features=50_000, strip_accents="unicode"
        )
        counts = vectorizer.fit_transform(prepare(t) for t in texts)
        nb = MultinomialNB(alpha=0.5).fit(counts, labels)
        log_odds = nb.feature_log_prob_[1] - nb.feature_log_prob_[0]
        prior = float(nb.class_log_prior_[1] - nb.class_log_prior_[0])
        return cls(vectorizer.vocabulary_, log_odds, prior, labels.count(0), labels.count(1))

    @cached_property
    def _analyzer(self):
        """Built once per model, not per comment scored (the queue scores 50 a page)."""
        from sklearn.feature_extraction.text import CountVectorizer

        return CountVectorizer(ngram_range=(1, 2), strip_accents="unicode").build_analyzer()

    def score(self, text: str) -> tuple[float, list[str]]:
        contributions: dict[str, float] = {}
        total = self.prior
        for token in self._analyzer(prepare(text)):
            index = self.terms.get(token)
            if index is not None:
                weight = float(self.log_odds[index])
                total += weight
                contributions[token] = contributions.get(token, 0.0) + weight
        probability = 1 / (1 + math.exp(-max(-50.0, min(50.0, total))))
        top = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))[:6]
        return probability, [f"{term} ({weight:+.1f})" for term, weight in top]

    def dumps(self) -> bytes:
        terms = sorted(self.terms, key=self.terms.get)
        payload = {
            "terms": terms,
            "log_odds": [round(float(v), 4) for v in self.log_odds],
            "prior": self.prior,
            "ham": self.ham,
            "spam": self.spam,
        }
        return zlib.compress(json.dumps(payload).encode(), 6)

    @classmethod
    def loads(cls, blob: bytes) -> "Model":
        payload = json.loads(zlib.decompress(blob))
        return cls(
            {t: i for i, t in enumerate(payload["terms"])},
            np.asarray(payload["log_odds"]),
            payload["prior"],
            payload["ham"],
            payload["spam"],
        )


_loaded: dict[tuple, Model] = {}


def current_model() -> Model | None:
    from broadsheet.moderation.models import SpamFilter

    row = SpamFilter.objects.defer("data").order_by("-pk").first()
    if row is None or min(row.ham, row.spam) < MIN_EACH_CLASS:
        return None
    key = (row.pk, row.trained_at)
    if key not in _loaded:
        _loaded.clear()
        data = SpamFilter.objects.values_list("data", flat=True).get(pk=row.pk)
        _loaded[key] = Model.loads(bytes(data))
    return _loaded[key]


def scorer() -> Callable[[str], tuple[float, list[str]]]:
    """The score in force: the trained filter's when there is one, else the rules'. One
    query to find it, so a page of comments is scored with one look at the database."""
    model = current_model()
    return rule_score if model is None else model.score


def score(text: str) -> tuple[float, list[str]]:
    """The trained filter's score when there is one, else the rules'."""
    return scorer()(text)
