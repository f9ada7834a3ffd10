"""The spam score of a comment, 0 (ham) to 1 (spam), and the words that weighed most.

Cold start: a small rule score (links, the usual spam vocabulary, shouting). Once
moderators have made enough decisions, a naive Bayes classifier trained on this site's
approved and spam comments takes over, retrained in the background as decisions
accumulate. Its state is stored as compressed JSON (terms and their log-odds, at full
precision), never a pickle.

Training runs in the background worker and uses scikit-learn. Scoring runs in the web
process that takes a comment, and is plain Python: `terms()` splits a text exactly as
the training vectorizer does, and the score is the logistic of the prior plus the stored
weight of each term. A web worker never imports scikit-learn (or numpy): with a trained filter they
cost each worker about 85 MB and a pause of up to two seconds on its first comment.
"""

import json
import math
import re
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from broadsheet.stored import ParsedOnce, SharedCopy

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


TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
# The training vectorizer's analysis, which `terms()` reproduces (a test holds them equal).
VECTORIZER = {
    "lowercase": True,
    "strip_accents": "unicode",
    "token_pattern": TOKEN.pattern,
    "ngram_range": (1, 2),
}
ALPHA = 0.5  # additive smoothing of the word counts
MAX_TERMS = 50_000


def _strip_accents(text: str) -> str:
    """As scikit-learn's strip_accents_unicode: decompose (NFKD), drop combining marks."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def terms(text: str) -> list[str]:
    """The terms of a prepared text as the training vectorizer (VECTORIZER) finds them:
    lower-cased, accents stripped, runs of two or more word characters, then each pair of
    neighbouring words."""
    words = TOKEN.findall(_strip_accents(text.lower()))
    return words + [f"{first} {second}" for first, second in pairwise(words)]


def fit(texts: list[str], labels: list[int]):
    """scikit-learn's vectorizer and multinomial naive Bayes, fitted on moderators'
    decisions (1 spam, 0 ham). For the background worker only: the one place that
    imports scikit-learn."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB

    vectorizer = CountVectorizer(**VECTORIZER, max_features=MAX_TERMS)
    counts = vectorizer.fit_transform(prepare(t) for t in texts)
    return vectorizer, MultinomialNB(alpha=ALPHA).fit(counts, labels)


@dataclass
class Model:
    weights: dict[str, float]  # per term: log P(term|spam) - log P(term|ham)
    prior: float  # log P(spam) - log P(ham)
    ham: int
    spam: int

    @classmethod
    def train(cls, texts: list[str], labels: list[int]) -> "Model":
        """Fit on moderators' decisions (in the background worker: see `fit`)."""
        return cls.from_fitted(*fit(texts, labels))

    @classmethod
    def from_fitted(cls, vectorizer, classifier) -> "Model":
        """What scoring needs from a fitted vectorizer and classifier, as plain values."""
        log_odds = classifier.feature_log_prob_[1] - classifier.feature_log_prob_[0]
        ham, spam = (int(n) for n in classifier.class_count_)
        return cls(
            {term: float(log_odds[index]) for term, index in vectorizer.vocabulary_.items()},
            float(classifier.class_log_prior_[1] - classifier.class_log_prior_[0]),
            ham,
            spam,
        )

    def score(self, text: str) -> tuple[float, list[str]]:
        """P(spam) as the classifier's predict_proba gives it (the log-odds of the prior
        and of every term occurrence, summed), and the terms that weighed most."""
        contributions: dict[str, float] = {}
        for term in terms(prepare(text)):
            weight = self.weights.get(term)
            if weight is not None:
                contributions[term] = contributions.get(term, 0.0) + weight
        total = self.prior + sum(contributions.values())
        probability = 1 / (1 + math.exp(-max(-50.0, min(50.0, total))))
        top = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))[:6]
        return probability, [f"{term} ({weight:+.1f})" for term, weight in top]

    def dumps(self) -> bytes:
        # Weights at full precision (JSON floats round-trip exactly): rounded, the
        # stored filter would score differently from the one that was trained.
        payload = {
            "terms": list(self.weights),
            "log_odds": list(self.weights.values()),
            "prior": self.prior,
            "ham": self.ham,
            "spam": self.spam,
        }
        return zlib.compress(json.dumps(payload).encode(), 6)

    @classmethod
    def loads(cls, blob: bytes) -> "Model":
        payload = json.loads(zlib.decompress(blob))
        return cls(
            dict(zip(payload["terms"], payload["log_odds"], strict=True)),
            payload["prior"],
            payload["ham"],
            payload["spam"],
        )


@cache
def _trained() -> ParsedOnce[Model]:
    """The stored filter, parsed once per process (the models are read when first asked:
    this module scores text without Django set up, for bench/spam.py)."""
    from broadsheet.moderation.models import SpamFilter

    return ParsedOnce(SpamFilter, Model.loads, "trained_at")


# The stored filter's latest row, without its blob: finding it was a query on every
# comment. Storing or deleting a filter drops the copy (apps.py).
_latest = SharedCopy("moderation:spam-filter", lambda: _trained().latest_row())
forget_latest = _latest.forget


def current_model() -> Model | None:
    row = _latest.get()
    if row is None or min(row.ham, row.spam) < MIN_EACH_CLASS:
        return None
    return _trained().value(row)


def scorer() -> Callable[[str], tuple[float, list[str]]]:
    """The score in force: the trained filter's when there is one, else the rules'. One
    query to find it, so a page of comments is scored with one look at the database."""
    model = current_model()
    return rule_score if model is None else model.score


def score(text: str) -> tuple[float, list[str]]:
    """The trained filter's score when there is one, else the rules'."""
    return scorer()(text)
