"""Re-anchoring accuracy on a generated corpus of articles, passages and edits.

Run with `make bench-anchoring` (or `.venv/bin/python bench/anchoring.py`). Each case
takes a generated article, a passage of 2 to 12 words, and one edit whose correct outcome
is known by construction; a case is right when the outcome's status class and its span
are the expected ones (orphaned where the words are gone, never pinned elsewhere).
Writes bench/results/anchoring.json.
"""

import json
import os
import random
import time
from collections import Counter, defaultdict
from pathlib import Path

from broadsheet.engagement.anchoring import quote_at, reanchor

CASES = int(os.environ.get("BENCH_ANCHOR_CASES", "2000"))
WORDS = [
    "harbour",
    "council",
    "budget",
    "minister",
    "ferry",
    "bridge",
    "customs",
    "grain",
    "river",
    "talks",
    "border",
    "vote",
    "assembly",
    "report",
    "winter",
    "storm",
    "barrier",
    "water",
    "energy",
    "wind",
    "cable",
    "dunes",
    "market",
    "island",
    "crews",
    "shift",
    "night",
    "bus",
    "route",
    "levy",
    "venue",
    "nurse",
    "dock",
    "pilot",
    "silt",
    "channel",
    "ship",
    "tide",
    "election",
    "observer",
    "commission",
    "district",
    "seat",
    "hearing",
    "museum",
    "doors",
    "monastery",
    "curator",
]
NAMES = ["Vosk", "Palk", "Moor", "Reis", "Andor", "Kell", "Brandt", "Ostrova", "Adler"]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words)), rng.choice(NAMES))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def article(rng: random.Random) -> list[list[str]]:
    return [[sentence(rng) for _ in range(rng.randint(2, 5))] for _ in range(rng.randint(4, 9))]


def render(paragraphs: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paragraphs)


def make_case(rng: random.Random):
    """Returns (kind, old_text, quote, new_text, expected span in new_text or None)."""
    paragraphs = article(rng)
    p = rng.randrange(len(paragraphs))
    s = rng.randrange(len(paragraphs[p]))
    target = paragraphs[p][s]
    words = target.split(" ")
    w0 = rng.randrange(max(1, len(words) - 2))
    n = min(len(words) - w0, rng.randint(2, 12))
    passage = " ".join(words[w0 : w0 + n]).rstrip(".")
    old = render(paragraphs)
    sentence_start = old.index(target)
    start = old.index(passage, sentence_start)
    quote = quote_at(old, start, start + len(passage))
    kind = rng.choice(
        [
            "insert before",
            "insert after",
            "typo inside",
            "passage deleted",
            "repeated elsewhere",
            "name changed everywhere",
            "whitespace and punctuation",
            "unrelated rewrite",
        ]
    )
    if kind == "insert before":
        new = old[:sentence_start] + sentence(rng) + " " + old[sentence_start:]
        shift = len(new) - len(old)
        return kind, old, quote, new, (start + shift, start + shift + len(passage))
    if kind == "insert after":
        cut = old.index(".", start + len(passage) - 1) + 1
        new = old[:cut] + " " + sentence(rng) + old[cut:]
        return kind, old, quote, new, (start, start + len(passage))
    if kind == "typo inside":
        long_words = [
            i for i, c in enumerate(passage) if c.isalpha() and i > 0 and passage[i - 1].isalpha()
        ]
        i = rng.choice(long_words)
        edited = passage[:i] + passage[i].upper() + passage[i:]  # a doubled letter
        new = old[:start] + edited + old[start + len(passage) :]
        return kind, old, quote, new, (start, start + len(edited))
    if kind == "passage deleted":
        new = old[:sentence_start] + old[sentence_start + len(target) :]
        return kind, old, quote, new, None
    if kind == "repeated elsewhere":
        new = passage + ". " + old
        shift = len(passage) + 2
        return kind, old, quote, new, (start + shift, start + shift + len(passage))
    if kind == "name changed everywhere":
        names = [name for name in NAMES if name in passage]
        if not names:
            return make_case(rng)
        name = names[0]
        new = old.replace(name, "Haldane")
        if passage == name:
            return kind, old, quote, new, None
        before = old[:start].count(name) * (len("Haldane") - len(name))
        edited = passage.replace(name, "Haldane")
        return kind, old, quote, new, (start + before, start + before + len(edited))
    if kind == "whitespace and punctuation":
        if " " not in passage:
            return make_case(rng)
        edited = passage.replace(" ", "  ", 1)
        new = old[:start] + edited + old[start + len(passage) :]
        return kind, old, quote, new, (start, start + len(edited))
    # unrelated rewrite: another paragraph replaced entirely
    others = [i for i in range(len(paragraphs)) if i != p]
    if not others:
        return make_case(rng)
    paragraphs[rng.choice(others)] = [sentence(rng)]
    new = render(paragraphs)
    at = new.index(target) + (start - sentence_start)
    return kind, old, quote, new, (at, at + len(passage))


def main() -> None:
    rng = random.Random(20261124)
    right, total = Counter(), Counter()
    outcomes = defaultdict(Counter)
    began = time.perf_counter()
    for _ in range(CASES):
        kind, old, quote, new, expected = make_case(rng)
        outcome = reanchor(old, new, quote)
        total[kind] += 1
        outcomes[kind][outcome.status] += 1
        got = (outcome.quote.start, outcome.quote.end) if outcome.quote else None
        if got == expected:
            right[kind] += 1
    elapsed = time.perf_counter() - began
    overall = sum(right.values()) / sum(total.values())
    print(
        f"| edit | cases | anchored right |  ({CASES} cases, {elapsed * 1000 / CASES:.2f} ms each)"
    )
    print("|---|---:|---:|")
    for kind in sorted(total):
        print(f"| {kind} | {total[kind]} | {right[kind] / total[kind]:.1%} |")
    print(f"| **all** | {sum(total.values())} | **{overall:.1%}** |")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "anchoring.json").write_text(
        json.dumps(
            {
                "cases": CASES,
                "anchored_right": round(overall, 4),
                "ms_per_case": round(elapsed * 1000 / CASES, 3),
                "by_edit": {k: round(right[k] / total[k], 4) for k in sorted(total)},
                "statuses": {k: dict(v) for k, v in outcomes.items()},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
