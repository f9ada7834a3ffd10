"""Scoring a comment with the trained spam filter is plain Python: the same terms as the
training vectorizer, the same score as scikit-learn's classifier, and a web worker that
never imports scikit-learn. Training (a background task) is where scikit-learn runs."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from broadsheet.moderation import spam
from broadsheet.moderation.models import SpamFilter
from broadsheet.moderation.tests.labelled import labelled

# What comment forms receive beyond the labelled comments: accents, other scripts,
# ligatures and full-width letters (NFKD), links, underscores, digits, emoji, markdown.
AWKWARD = [
    "Crème brûlée at the café, naïve coöperation, São Paulo, Ångström, Łódź",
    "İstanbul'da KIZILIRMAK; straße STRASSE ﬁnance ﬀ Ｆｕｌｌｗｉｄｔｈ ①②",
    "Это спам? 这是垃圾邮件 スパム 스팸 العربية हिन्दी",
    "Visit https://www.Example.COM/path?q=1&x=é or www.cheap-pills.example/buy now!!!",
    "snake_case_words, x, a1 b2 c3, 2026-11-25, $$$ 100% off, e-mail me @ once",
    "**Bold** _emphasis_ `code` > quoted [link](https://news.example/a) <https://b.example>",
    "😀 emoji 🎉 only 👍🏽 and \u200bzero\u200bwidth and\u00a0nbsp\ttabs\nnewlines",
    "",
    "a",
]


def corpus(count: int | None = None) -> tuple[list[str], list[int]]:
    rows = labelled("training", count)
    return [text for text, _ in rows], [label for _, label in rows]


def scikit_learn_score(vectorizer, classifier, text: str) -> float:
    """What scikit-learn itself says: P(spam) from the fitted classifier."""
    return float(classifier.predict_proba(vectorizer.transform([spam.prepare(text)]))[0, 1])


def test_terms_are_what_the_training_vectorizer_finds():
    from sklearn.feature_extraction.text import CountVectorizer

    analyze = CountVectorizer(**spam.VECTORIZER).build_analyzer()
    texts, _ = corpus(300)
    for text in texts + AWKWARD:
        prepared = spam.prepare(text)
        assert spam.terms(prepared) == analyze(prepared), text


def test_plain_python_scores_equal_scikit_learns_on_a_corpus():
    texts, labels = corpus()
    vectorizer, classifier = spam.fit(texts, labels)
    stored = spam.Model.loads(spam.Model.from_fitted(vectorizer, classifier).dumps())

    unseen = [text for text, _ in labelled("held-out")] + AWKWARD
    for text in unseen:
        assert stored.score(text)[0] == pytest.approx(
            scikit_learn_score(vectorizer, classifier, text), abs=1e-9, rel=0
        ), text
    # No known word: the prior alone, the share of spam among the decisions.
    assert stored.score("") == (pytest.approx(labels.count(1) / len(labels)), [])


WEB_WORKER = textwrap.dedent(
    """
    import json, os, sys

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broadsheet.settings")
    from broadsheet.wsgi import application  # django.setup() and the middleware
    from django.urls import get_resolver

    get_resolver().url_patterns  # every view, API router and admin hook of the site
    import broadsheet.moderation.tasks  # what a moderator's decision enqueues

    from broadsheet.moderation import spam

    with open(sys.argv[1], "rb") as stored:
        model = spam.Model.loads(stored.read())
    spam.current_model = lambda: model  # the stored row, as a comment's verdict loads it
    texts = json.load(open(sys.argv[2]))
    print(json.dumps({
        "scores": [spam.score(text)[0] for text in texts],
        "modules": sorted({name.split(".")[0] for name in sys.modules}),
    }))
    """
)


def test_a_web_worker_scores_with_the_stored_filter_without_scikit_learn(db, tmp_path):
    """Trained here, stored in the database, then read back and handed to a fresh
    process through a file (the test database is not one a subprocess can open), which
    starts the web application and scores comments as a new comment's verdict does."""
    texts, labels = corpus()
    vectorizer, classifier = spam.fit(texts, labels)
    model = spam.Model.from_fitted(vectorizer, classifier)
    row = SpamFilter.objects.create(ham=model.ham, spam=model.spam, data=model.dumps())
    (tmp_path / "filter").write_bytes(bytes(SpamFilter.objects.get(pk=row.pk).data))
    comments = [text for text, _ in labelled("held-out", 60)] + AWKWARD
    (tmp_path / "comments.json").write_text(json.dumps(comments))

    worker = subprocess.run(
        [sys.executable, "-c", WEB_WORKER, tmp_path / "filter", tmp_path / "comments.json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "broadsheet.settings"},
    )
    assert worker.returncode == 0, worker.stderr
    answer = json.loads(worker.stdout.strip().splitlines()[-1])

    assert "sklearn" not in answer["modules"]
    assert "scipy" not in answer["modules"]
    assert "numpy" not in answer["modules"]
    expected = [scikit_learn_score(vectorizer, classifier, text) for text in comments]
    assert answer["scores"] == pytest.approx(expected, abs=1e-9, rel=0)
    assert spam.scorer()(comments[0])[0] == pytest.approx(expected[0], abs=1e-9, rel=0)
