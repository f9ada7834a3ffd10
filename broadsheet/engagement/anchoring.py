"""Passage anchors that survive corrections.

An annotation points at a passage of the article's plain text with a quote (exact, prefix,
suffix) and a position (start, end). When a new revision is published we own both texts,
so we re-anchor on the server:

1. Carry the offsets through the character diff from the old text to the new one
   (diff-match-patch). If no edit touched the passage, it is the same words: `anchored`
   where it was, or `moved`.
2. If an edit touched the passage, look for the quote near where the diff says it should
   be, with a fuzzy match (rapidfuzz) weighed with the prefix and suffix around it. A
   match above MIN_SCORE is `edited` (or `moved` when only whitespace, case or
   punctuation changed); anything less is `orphaned`.

The search never leaves the neighbourhood the diff predicts and always weighs the
context, so a note on one occurrence of a name is never moved to another occurrence
after a copy edit: when in doubt, an annotation is orphaned, never pinned to wrong words.
"""

import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from rapidfuzz import fuzz

CONTEXT = 32
MIN_SCORE = 0.8  # weighted similarity of quote and context needed to keep an edited anchor
MIN_QUOTE_SCORE = 0.7  # and of the quote alone
MIN_CONTEXT_SCORE = 0.5  # and of the prefix and suffix: the same words elsewhere don't count
WORD_CHARS = re.compile(r"[\W_]+", re.UNICODE)

ANCHORED, MOVED, EDITED, ORPHANED = "anchored", "moved", "edited", "orphaned"


@dataclass(frozen=True)
class Quote:
    exact: str
    start: int
    end: int
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Outcome:
    status: str
    quote: Quote | None  # None when orphaned


def quote_at(text: str, start: int, end: int) -> Quote:
    """The selectors for text[start:end]: the quote with up to 32 characters either side."""
    return Quote(
        exact=text[start:end],
        start=start,
        end=end,
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
    )


def _context_score(text: str, start: int, end: int, quote: Quote) -> float:
    before = text[max(0, start - len(quote.prefix)) : start]
    after = text[end : end + len(quote.suffix)]
    prefix = fuzz.ratio(quote.prefix, before) / 100 if quote.prefix else 1.0
    suffix = fuzz.ratio(quote.suffix, after) / 100 if quote.suffix else 1.0
    return (prefix + suffix) / 2


def locate(text: str, exact: str, prefix: str = "", suffix: str = "", start: int | None = None):
    """Find a quote in the current text: at `start` if it is there, else the occurrence
    whose context fits best. Returns a Quote, or None if the words are not in the text."""
    if not exact:
        return None
    if start is not None and text[start : start + len(exact)] == exact:
        return quote_at(text, start, start + len(exact))
    found = []
    index = text.find(exact)
    while index != -1:
        found.append(index)
        index = text.find(exact, index + 1)
    if not found:
        return None
    probe = Quote(exact, 0, 0, prefix[-CONTEXT:], suffix[:CONTEXT])

    def fit(at: int) -> tuple[float, int]:
        distance = abs(at - start) if start is not None else 0
        return (_context_score(text, at, at + len(exact), probe), -distance)

    best = max(found, key=fit)
    return quote_at(text, best, best + len(exact))


def _normalized(text: str) -> str:
    return WORD_CHARS.sub(" ", text).strip().lower()


def _passage_touched(diffs, start: int, end: int) -> bool:
    """Whether any deletion or insertion falls inside [start, end) of the old text."""
    position = 0
    for op, data in diffs:
        if op == diff_match_patch.DIFF_EQUAL:
            position += len(data)
        elif op == diff_match_patch.DIFF_DELETE:
            if position < end and position + len(data) > start:
                return True
            position += len(data)
        elif start < position < end:  # an insertion strictly inside the passage
            return True
    return False


def _fuzzy(new_text: str, quote: Quote, expected: int) -> Outcome:
    length = len(quote.exact)
    low = max(0, expected - length - 2 * CONTEXT)
    high = min(len(new_text), expected + 2 * length + 2 * CONTEXT)
    window = new_text[low:high]
    if not window.strip():
        return Outcome(ORPHANED, None)
    rough = fuzz.partial_ratio_alignment(quote.exact, window)
    if rough is None or rough.score / 100 < MIN_QUOTE_SCORE - 0.1:
        return Outcome(ORPHANED, None)
    # The alignment has the quote's length; an edit may have changed it, so try nearby
    # boundaries (word boundaries where the reader's selection had them) and keep the
    # best-fitting span.
    slack = max(8, length // 5)
    word_start = not quote.prefix or not quote.prefix[-1].isalnum() or not quote.exact[0].isalnum()
    word_end = not quote.suffix or not quote.suffix[0].isalnum() or not quote.exact[-1].isalnum()
    best = (0.0, 0.0, 0.0, 0, 0)
    for start in range(max(0, low + rough.dest_start - slack), low + rough.dest_start + slack + 1):
        if word_start and start > 0 and new_text[start - 1].isalnum():
            continue
        for end in range(low + rough.dest_end - slack, low + rough.dest_end + slack + 1):
            if end <= start or end > len(new_text):
                continue
            if word_end and end < len(new_text) and new_text[end].isalnum():
                continue
            quote_score = fuzz.ratio(quote.exact, new_text[start:end]) / 100
            context = _context_score(new_text, start, end, quote)
            score = 0.6 * quote_score + 0.4 * context
            if score > best[0]:
                best = (score, quote_score, context, start, end)
    score, quote_score, context, start, end = best
    if score < MIN_SCORE or quote_score < MIN_QUOTE_SCORE or context < MIN_CONTEXT_SCORE:
        return Outcome(ORPHANED, None)
    found = quote_at(new_text, start, end)
    if _normalized(found.exact) == _normalized(quote.exact):
        return Outcome(ANCHORED if start == quote.start else MOVED, found)
    return Outcome(EDITED, found)


def reanchor(old_text: str, new_text: str, quote: Quote) -> Outcome:
    """Where `quote` (a passage of old_text) is in new_text, and what happened to it."""
    if old_text == new_text:
        return Outcome(ANCHORED, quote)
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2.0
    diffs = dmp.diff_main(old_text, new_text)
    expected = dmp.diff_xIndex(diffs, quote.start)
    if not _passage_touched(diffs, quote.start, quote.end):
        end = expected + len(quote.exact)
        if new_text[expected:end] == quote.exact:
            status = ANCHORED if expected == quote.start else MOVED
            return Outcome(status, quote_at(new_text, expected, end))
    return _fuzzy(new_text, quote, expected)
