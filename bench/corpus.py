"""A generated, labelled corpus of reader comments: ham in the voices of a news site's
discussion, spam of the kinds comment forms receive (pharmacy, crypto, casinos, loans,
SEO, fake followers, "nice post, visit my blog", job and romance scams), some of it
written to slip past keyword rules. Used by bench/spam.py and bench/dataset.py; never by
the package or its tests (they carry their own labelled comments).

The training part and the held-out part draw from two vocabularies that share no list
and no entry: other topics, other ham sentences, other spam templates and openers, other
link domains. So the held-out figures measure spam (and ham) the filter never saw, not
the same sentences shuffled.
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Vocabulary:
    """The lists one part of the corpus is written from."""

    topics: list[str]  # "the harbour deal": what readers argue about
    opinions: list[str]  # ham's first sentence, about {t} (or {T}, capitalized)
    details: list[str]  # ham's further sentences
    ham_tough: list[str]  # ham that touches spam's vocabulary (money, casinos, jobs)
    spam_openers: list[str]
    spam_bodies: list[str]  # {u} is a link
    spam_soft: list[str]  # spam dressed as a comment on {t}, no link
    domains: list[str]  # the links' hosts


TRAINING = Vocabulary(
    topics=[
        "the harbour deal",
        "the council budget",
        "the ferry strike",
        "the new bridge",
        "the school closures",
        "the flood defences",
        "the election count",
        "the bus fares",
        "the hospital wait times",
        "the river clean-up",
        "the housing plan",
        "the festival",
    ],
    opinions=[
        "I think {t} was handled badly.",
        "Honestly, {t} is the best news this year.",
        "Has anyone asked who pays for {t}?",
        "My street was hit hard by {t}.",
        "The article misses the point about {t}.",
        "Good reporting on {t}, thank you.",
        "I disagree with the last commenter about {t}.",
        "Why did nobody mention {t} before?",
        "We were promised answers on {t} months ago.",
        "{T} affects my family directly.",
    ],
    details=[
        "The numbers in the third paragraph don't add up.",
        "My neighbour works at the port.",
        "I went to the public meeting on Tuesday.",
        "The minutes are on the council site.",
        "This has been going on since 2019.",
        "Can the paper follow up next week?",
        "Source: the annual report, page 12.",
        "I remember the last time this happened.",
        "Not everyone can afford to drive in.",
        "The consultation closes on Friday.",
        "See https://www.gov.example/report for the full figures.",
        "Well said.",
        "Correction: it was the deputy mayor, not the mayor.",
        "Fair point, @mara.",
    ],
    ham_tough=[
        "Crypto mining at the old mill uses river water: who approved it?",
        "Small business loans were cut by a third, page 2 of the budget says.",
        "The bonus for nurses was promised in March and never paid.",
        "Cheap flights are why the airport wants a second runway.",
        "Followers of this story will know the mayor said the opposite in 2022.",
        "The betting shop on Mill Road closed, and good riddance.",
    ],
    spam_openers=[
        "Very informative post.",
        "Thanks for sharing.",
        "I was reading this and",
        "Hello dear,",
        "Hi everyone,",
    ],
    spam_bodies=[
        "Best online casino bonus, claim 200 free spins {u}",
        "Earn $500 a day working from home, message me on WhatsApp +1 555 0100",
        "Get 10k real followers instantly {u}",
        "SEO backlinks package, rank #1 on Google {u}",
        "Check out my blog for more tips {u}",
        "I made $8,347 last month with this simple method {u}",
        "Lonely? Beautiful singles near you {u}",
        "Crypto signals group, 95% accuracy, join telegram",
        "Weight loss pills that actually work {u}",
        "Payday advance, no credit check {u}",
        "My aunt earns from her laptop every week, see how {u}",
        "Top rated pharmacy, fast shipping worldwide {u}",
    ],
    spam_soft=[
        "Interesting take on {t}! My cousin made a fortune last month, details on my profile.",
        "{T} reminds me of my journey to financial freedom, happy to share the secret.",
        "Thanks for this piece on {t}, I found a site with every exam answer, message me.",
    ],
    domains=[
        "best-deals.example",
        "quick-cash.example",
        "pharma24.example",
        "win-big.example",
        "bit.ly/3xYz",
        "rank-fast.example",
        "my-blog-tips.example",
        "crypto-pro.example",
    ],
)

HELD_OUT = Vocabulary(
    topics=[
        "the tram extension",
        "the port strike ballot",
        "the library cuts",
        "the water rates",
        "the airport noise",
        "the teachers' pay offer",
        "the night bus trial",
        "the market hall repairs",
        "the parking permits",
        "the recycling contract",
        "the youth centre",
        "the cathedral roof",
    ],
    opinions=[
        "Nobody I know voted for {t}.",
        "Credit where due: {t} went better than expected.",
        "Who signed off on {t}, and when?",
        "{T} will cost us more in the long run.",
        "Your reporter got {t} right, for once.",
        "I was at the hearing on {t} and it was chaos.",
        "Let's wait for the audit before judging {t}.",
        "My daughter's school lost out because of {t}.",
        "There is a simpler fix for {t} than this.",
        "Third letter I have written about {t} this year.",
    ],
    details=[
        "The chart in the print edition was clearer.",
        "I have lived on this street for forty years.",
        "Ask the harbourmaster, he will tell you.",
        "Councillor Brask said the same at the hustings.",
        "It was in the Gazette in 2017 too.",
        "Please publish the full survey.",
        "Thanks to the letters editor for running mine.",
        "Old photos of the quay show the same problem.",
        "Transcript: https://assembly.example/minutes/44",
        "Spot on.",
        "Update: the meeting moved to Monday.",
        "Agreed with @dara on this one.",
    ],
    ham_tough=[
        "The casino licence vote is on Thursday, and the council is split.",
        "Free parking at the station ends next month, which hits commuters.",
        "Work from home rules for council staff are in the report: https://www.gov.example/wfh",
        "Weight loss clinics at the hospital have a two-year wait.",
    ],
    spam_openers=[
        "Great article!",
        "Nice blog.",
        "Amazing content!!",
    ],
    spam_bodies=[
        "Buy cheap viagra online without prescription at {u}",
        "Invest in bitcoin with guaranteed profit, contact our expert {u}",
        "Need a loan fast? Approved in minutes {u}",
        "Replica watches at discount prices {u}",
        "Visit my website for cheap essay writing {u}",
        "Hiring remote data entry, $45/hour, no experience {u}",
    ],
    spam_soft=[
        "Good reporting on {t}. By the way, I now earn a full salary online, ask me how.",
        "Totally agree about {t}. Also, anyone needing quick funds, DM me for a private lender.",
    ],
    domains=[
        "top-offers.example",
        "fastloan-now.example",
        "meds-direct.example",
        "lucky-spin.example",
        "tinyurl.com/y8kq",
        "seo-boost.example",
        "daily-tricks.example",
        "coin-profit.example",
    ],
)

PARTS = {"training": TRAINING, "held-out": HELD_OUT}


def _everything() -> Vocabulary:
    return Vocabulary(
        *(
            getattr(TRAINING, name) + getattr(HELD_OUT, name)
            for name in Vocabulary.__dataclass_fields__
        )
    )


def generate(
    count: int, spam_share: float = 0.4, seed: int = 1, part: str = "all"
) -> list[tuple[str, int]]:
    """`count` comments as (text, label), label 1 for spam. `part` "training" and
    "held-out" write from the two disjoint vocabularies, so a filter trained on one is
    measured on words, sentences and kinds of spam it has never seen; "all" from both."""
    words = _everything() if part == "all" else PARTS[part]
    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not a secret
    corpus = []
    for _ in range(count):
        topic = rng.choice(words.topics)
        if rng.random() < spam_share and rng.random() < 0.35:
            corpus.append((rng.choice(words.spam_soft).format(t=topic, T=topic.capitalize()), 1))
        elif rng.random() < spam_share:
            body = rng.choice(words.spam_bodies).format(
                u=f"https://{rng.choice(words.domains)}/{rng.randint(1, 999)}"
            )
            if rng.random() < 0.3:  # written to dodge keyword lists: no link, soft words
                body = body.split(" {u}")[0].replace("http", "").replace("://", " ")
                body = body.split("https")[0].strip()
            text = f"{rng.choice(words.spam_openers)} {body}"
            if rng.random() < 0.2:
                text = text.upper()
            corpus.append((text, 1))
        else:
            parts = [rng.choice(words.opinions).format(t=topic, T=topic[0].upper() + topic[1:])]
            parts += rng.sample(words.details, rng.randint(0, 3))
            if rng.random() < 0.25:
                parts.insert(rng.randint(0, len(parts)), rng.choice(words.ham_tough))
            corpus.append((" ".join(parts), 0))
    return corpus
