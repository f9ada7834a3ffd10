"""Related-article quality: precision at 3 on generated story clusters, and the cost of
ranking. Run with `make bench-related`.

Each cluster is one invented event (a place, people, a subject) reported several times
with different wording, headline and length; clusters share the newsroom's ordinary
vocabulary, so only the event tells them apart. A related article is right when it is
about the same event. Uses the ranking code the site runs (broadsheet.discovery.related).
Writes bench/results/related.json.
"""

import json
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadsheet.discovery.related import Doc, Index

CLUSTERS = int(os.environ.get("BENCH_RELATED_CLUSTERS", "60"))
PER_CLUSTER = 4

PLACES = [
    "Harlow",
    "Tesk",
    "Varn",
    "Moravel",
    "Ossin",
    "Kell",
    "Brenna",
    "Daskov",
    "Lune",
    "Pyrah",
    "Caldor",
    "Fenmark",
]
PEOPLE = [
    "Adler",
    "Vosk",
    "Palk",
    "Moor",
    "Reis",
    "Andor",
    "Kell",
    "Brandt",
    "Ostrova",
    "Marsh",
    "Haldane",
    "Quist",
]
SUBJECTS = [
    ("strike", ["walkout", "industrial action", "stoppage"], ["workers", "union", "pay"]),
    ("flood", ["flooding", "high water", "inundation"], ["river", "pumps", "evacuation"]),
    ("election", ["vote", "ballot", "poll"], ["candidates", "turnout", "count"]),
    ("budget", ["spending plan", "finance bill", "accounts"], ["deficit", "taxes", "cuts"]),
    ("fire", ["blaze", "wildfire", "flames"], ["firefighters", "forest", "smoke"]),
    ("trial", ["court case", "hearing", "prosecution"], ["judge", "jury", "verdict"]),
    ("bridge", ["crossing", "span", "viaduct"], ["engineers", "traffic", "repairs"]),
    ("school", ["academy", "college", "classrooms"], ["pupils", "teachers", "exams"]),
]
FILLER = [
    "officials",
    "said",
    "the",
    "situation",
    "remained",
    "unclear",
    "on",
    "Tuesday",
    "while",
    "residents",
    "waited",
    "for",
    "news",
    "and",
    "the",
    "council",
    "promised",
    "an",
    "update",
    "later",
    "in",
    "the",
    "week",
    "as",
    "questions",
    "grew",
    "about",
    "who",
    "would",
    "pay",
    "and",
    "how",
    "long",
    "the",
    "disruption",
    "might",
    "last",
    "for",
    "local",
    "families",
]
OPENERS = [
    "{who} said",
    "According to {who},",
    "Speaking on {day}, {who} said",
    "{who} told reporters",
]


def story(rng: random.Random, place: str, person: str, subject, day: int) -> tuple[str, str, str]:
    noun, synonyms, details = subject
    word = rng.choice([noun, *synonyms])
    title = rng.choice(
        [
            f"{word.capitalize()} in {place}",
            f"{place} {word} continues",
            f"{person} on the {place} {word}",
            f"Questions over {place} {word}",
        ]
    )
    standfirst = (
        f"{rng.choice(OPENERS).format(who=person, day='Monday')} the {word} in {place} "
        f"would affect {rng.choice(details)}."
    )
    sentences = []
    for _ in range(rng.randint(4, 8)):
        words = rng.sample(FILLER, rng.randint(8, 14))
        if rng.random() < 0.6:
            words.insert(rng.randrange(len(words)), rng.choice([place, person, word, *details]))
        sentences.append(" ".join(words).capitalize() + ".")
    return title, standfirst, " ".join(sentences)


def corpus(rng: random.Random) -> tuple[list[Doc], dict[int, int]]:
    docs, cluster_of = [], {}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    next_id = 1
    for cluster in range(CLUSTERS):
        place, person = rng.choice(PLACES), rng.choice(PEOPLE)
        subject = rng.choice(SUBJECTS)
        day = rng.randint(0, 300)
        for _ in range(PER_CLUSTER):
            title, standfirst, body = story(rng, place, person, subject, day)
            docs.append(
                Doc(
                    id=next_id,
                    title=title,
                    standfirst=standfirst,
                    body=body,
                    section_id=rng.randint(1, 4),
                    tags=frozenset(rng.sample([place.lower(), subject[0], "news", "region"], 2)),
                    published=start + timedelta(days=day + rng.random() * 3),
                )
            )
            cluster_of[next_id] = cluster
            next_id += 1
    return docs, cluster_of


def main() -> None:
    rng = random.Random(20261125)
    docs, cluster_of = corpus(rng)
    began = time.perf_counter()
    index = Index(docs)
    fit_ms = (time.perf_counter() - began) * 1000
    hits = total = 0
    rank_began = time.perf_counter()
    for doc in docs:
        top = index.rank(doc.id, keep=3)
        hits += sum(1 for other, _score in top if cluster_of[other] == cluster_of[doc.id])
        total += len(top)
    rank_ms = (time.perf_counter() - rank_began) * 1000 / len(docs)
    precision = hits / total
    print(f"| related articles | value |  ({len(docs)} articles in {CLUSTERS} clusters)")
    print("|---|---:|")
    print(f"| precision at 3 | {precision:.3f} |")
    print(f"| TF-IDF fit | {fit_ms:.0f} ms |")
    print(f"| ranking one article | {rank_ms:.2f} ms |")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "related.json").write_text(
        json.dumps(
            {
                "articles": len(docs),
                "clusters": CLUSTERS,
                "precision_at_3": round(precision, 4),
                "fit_ms": round(fit_ms, 1),
                "rank_ms": round(rank_ms, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
