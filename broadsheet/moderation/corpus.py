"""A generated, labelled corpus of reader comments: ham in the voices of a news site's
discussion, spam of the kinds comment forms receive (pharmacy, crypto, casinos, loans,
SEO, fake followers, "nice post, visit my blog", job and romance scams), some of it
written to slip past keyword rules. Used by the learning-loop test and bench/spam.py."""

import random

TOPICS = [
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
]
OPINIONS = [
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
]
# Ham that touches spam's vocabulary: news about money, casinos, crypto, loans, jobs.
HAM_TOUGH = [
    "The casino licence vote is on Thursday, and the council is split.",
    "Crypto mining at the old mill uses river water: who approved it?",
    "Small business loans were cut by a third, page 2 of the budget says.",
    "Free parking at the station ends next month, which hits commuters.",
    "The bonus for nurses was promised in March and never paid.",
    "Cheap flights are why the airport wants a second runway.",
    "Work from home rules for council staff are in the report: https://www.gov.example/wfh",
    "Followers of this story will know the mayor said the opposite in 2022.",
    "The betting shop on Mill Road closed, and good riddance.",
    "Weight loss clinics at the hospital have a two-year wait.",
]
DETAILS = [
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
]
SPAM_OPENERS = [
    "Great article!",
    "Very informative post.",
    "Thanks for sharing.",
    "Nice blog.",
    "I was reading this and",
    "Hello dear,",
    "Amazing content!!",
    "Hi everyone,",
]
SPAM_BODIES = [
    "Buy cheap viagra online without prescription at {u}",
    "Best online casino bonus, claim 200 free spins {u}",
    "Earn $500 a day working from home, message me on WhatsApp +1 555 0100",
    "Invest in bitcoin with guaranteed profit, contact our expert {u}",
    "Get 10k real followers instantly {u}",
    "SEO backlinks package, rank #1 on Google {u}",
    "Need a loan fast? Approved in minutes {u}",
    "Check out my blog for more tips {u}",
    "I made $8,347 last month with this simple method {u}",
    "Replica watches at discount prices {u}",
    "Lonely? Beautiful singles near you {u}",
    "Crypto signals group, 95% accuracy, join telegram",
    "Visit my website for cheap essay writing {u}",
    "Weight loss pills that actually work {u}",
    "Payday advance, no credit check {u}",
    "Hiring remote data entry, $45/hour, no experience {u}",
    "My aunt earns from her laptop every week, see how {u}",
    "Top rated pharmacy, fast shipping worldwide {u}",
]
DOMAINS = [
    "best-deals.example",
    "quick-cash.example",
    "pharma24.example",
    "win-big.example",
    "bit.ly/3xYz",
    "rank-fast.example",
    "my-blog-tips.example",
    "crypto-pro.example",
]


SPAM_SOFT = [
    "Good reporting on {t}. By the way, I now earn a full salary online, ask me how.",
    "Interesting take on {t}! My cousin made a fortune last month, details on my profile.",
    "{T} reminds me of my journey to financial freedom, happy to share the secret.",
    "Totally agree about {t}. Also, anyone needing quick funds, DM me for a private lender.",
    "Thanks for this piece on {t}, I found a site with every exam answer, message me.",
]


def _part(items: list[str], part: str) -> list[str]:
    if part == "all":
        return items
    return [item for i, item in enumerate(items) if (i % 3 == 0) == (part == "held-out")]


def generate(
    count: int, spam_share: float = 0.4, seed: int = 1, part: str = "all"
) -> list[tuple[str, int]]:
    """`count` comments as (text, label), label 1 for spam. `part` "training" and
    "held-out" draw spam (and the harder ham) from disjoint thirds of the templates, so
    a filter is measured on kinds of spam it has never seen, not on repeats."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not a secret
    spam_bodies, spam_soft = _part(SPAM_BODIES, part), _part(SPAM_SOFT, part)
    openers, ham_tough = _part(SPAM_OPENERS, part), _part(HAM_TOUGH, part)
    corpus = []
    for _ in range(count):
        topic = rng.choice(TOPICS)
        if rng.random() < spam_share and rng.random() < 0.35:
            corpus.append((rng.choice(spam_soft).format(t=topic, T=topic.capitalize()), 1))
        elif rng.random() < spam_share:
            body = rng.choice(spam_bodies).format(
                u=f"https://{rng.choice(DOMAINS)}/{rng.randint(1, 999)}"
            )
            if rng.random() < 0.3:  # written to dodge keyword lists: no link, soft words
                body = body.split(" {u}")[0].replace("http", "").replace("://", " ")
                body = body.split("https")[0].strip()
            text = f"{rng.choice(openers)} {body}"
            if rng.random() < 0.2:
                text = text.upper()
            corpus.append((text, 1))
        else:
            parts = [rng.choice(OPINIONS).format(t=topic, T=topic[0].upper() + topic[1:])]
            parts += rng.sample(DETAILS, rng.randint(0, 3))
            if rng.random() < 0.25:
                parts.insert(rng.randint(0, len(parts)), rng.choice(ham_tough))
            corpus.append((" ".join(parts), 0))
    return corpus
