"""Re-anchoring against a corpus of edits, each with the outcome a reader would expect."""

import pytest

from broadsheet.engagement.anchoring import locate, quote_at, reanchor

TEXT = (
    "Negotiators met at the lakeside hotel on Monday.\n\n"
    "Kerry met Lavrov before dawn. Later, Kerry told reporters the talks had failed, "
    "and the delegations left without a date.\n\n"
    "Lorries have queued for two days at the Dessa bridge while customs officers inspect "
    "the same loads twice.\n\n"
    "The ministry said it remained ready to meet at any level, at any time."
)


def anchor(passage: str, occurrence: int = 1):
    start = -1
    for _ in range(occurrence):
        start = TEXT.index(passage, start + 1)
    return quote_at(TEXT, start, start + len(passage))


CORPUS = [
    # (name, passage, occurrence, edit(old) -> new, expected status, expected words or None)
    (
        "text inserted before the passage",
        "queued for two days at the Dessa bridge",
        1,
        lambda t: t.replace("Negotiators met", "A new opening paragraph.\n\nNegotiators met"),
        "moved",
        "queued for two days at the Dessa bridge",
    ),
    (
        "text inserted after the passage",
        "queued for two days at the Dessa bridge",
        1,
        lambda t: t + "\n\nA late paragraph.",
        "anchored",
        "queued for two days at the Dessa bridge",
    ),
    (
        "typo fixed inside the passage",
        "inspect the same loads twice",
        1,
        lambda t: (
            t.replace("inspect the same loads twice", "inspect the same lodas twice")
            .replace("lodas", "loads")
            .replace("inspect the same loads", "inspect the very same loads")
        ),
        "edited",
        "inspect the very same loads twice",
    ),
    (
        "the passage deleted",
        "Lorries have queued for two days at the Dessa bridge",
        1,
        lambda t: t.replace(
            "Lorries have queued for two days at the Dessa bridge while customs officers "
            "inspect the same loads twice.\n\n",
            "",
        ),
        "orphaned",
        None,
    ),
    (
        "the passage repeated elsewhere",
        "remained ready to meet at any level",
        1,
        lambda t: t.replace(
            "Negotiators met", "The ministry remained ready to meet at any level. Negotiators met"
        ),
        "moved",
        "remained ready to meet at any level",
    ),
    (
        "a name changed where it occurs twice: the sentence is kept, as edited",
        "Kerry told reporters the talks had failed",
        1,
        lambda t: t.replace("Kerry", "Blinken"),
        "edited",
        "Blinken told reporters the talks had failed",
    ),
    (
        "a name changed where it occurs twice: a note on the name alone is orphaned",
        "Kerry",
        2,
        lambda t: t.replace("Kerry", "Blinken"),
        "orphaned",
        None,
    ),
    (
        "copy edit changes one occurrence of a name: the note never jumps to the other",
        "Kerry",
        2,
        lambda t: t.replace("Later, Kerry told", "Later, Blinken told"),
        "orphaned",
        None,
    ),
    (
        "copy edit of the other occurrence leaves the note where it was",
        "Kerry",
        2,
        lambda t: t.replace("Kerry met Lavrov", "Blinken met Lavrov"),
        "moved",
        "Kerry",
    ),
    (
        "whitespace and punctuation changed inside the passage",
        "ready to meet at any level, at any time",
        1,
        lambda t: t.replace("any level, at any time", "any level  at any time"),
        "anchored",
        "ready to meet at any level  at any time",
    ),
    (
        "unrelated paragraph rewritten",
        "inspect the same loads twice",
        1,
        lambda t: t.replace("Negotiators met at the lakeside hotel on Monday.", "Talks began."),
        "moved",
        "inspect the same loads twice",
    ),
]


@pytest.mark.parametrize(
    ("passage", "occurrence", "edit", "status", "words"),
    [case[1:] for case in CORPUS],
    ids=[case[0] for case in CORPUS],
)
def test_reanchoring_corpus(passage, occurrence, edit, status, words):
    quote = anchor(passage, occurrence)
    new_text = edit(TEXT)

    outcome = reanchor(TEXT, new_text, quote)

    assert outcome.status == status
    if words is None:
        assert outcome.quote is None
    else:
        assert outcome.quote.exact == words
        assert new_text[outcome.quote.start : outcome.quote.end] == words


def test_unchanged_text_keeps_every_anchor():
    quote = anchor("Kerry", 2)
    assert reanchor(TEXT, TEXT, quote).quote == quote


def test_locate_prefers_the_occurrence_whose_context_fits():
    second = anchor("Kerry", 2)
    found = locate(TEXT, "Kerry", prefix=second.prefix, suffix=second.suffix)
    assert found.start == second.start
    assert locate(TEXT, "not in the text") is None
