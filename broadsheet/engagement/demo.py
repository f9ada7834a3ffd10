"""Demo discussions: a few busy threads with hundreds of comments, some deep reply chains,
and quiet articles with a handful. Deterministic (seeded by the page's slug) and written
in bulk, so seeding takes seconds. Only pages without comments get any.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from broadsheet.engagement.anchoring import quote_at
from broadsheet.engagement.identity import keyed_hash
from broadsheet.engagement.models import (
    Comment,
    Rating,
    RatingSummary,
    Vote,
)
from broadsheet.engagement.rendering import render_comment
from broadsheet.engagement.services import anchor_comment, recount

NAMES = [
    "Ruth from Eastfield",
    "Marek P.",
    "harbourwatcher",
    "Leonie Haas",
    "Sam O.",
    "Ferryman",
    "J. Achterberg",
    "Priya N.",
    "old pilot",
    "Carla M.",
    "Tobias",
    "NightShiftNurse",
    "Ines K.",
    "quayside_cafe",
    "Dr. Vale",
    "Ahmed R.",
    "Brigid",
    "Counter-point",
    "Yusuf",
    "M. Delacroix",
]
OPENERS = [
    "Good piece.",
    "I'm not convinced.",
    "This matches what I've seen.",
    "Hard to disagree.",
    "Interesting, but",
    "Thanks for covering this.",
    "Worth remembering that",
    "As someone who lives nearby,",
    "Respectfully,",
    "Finally someone asks this.",
]
MIDDLES = [
    "the numbers in the third paragraph deserve more scrutiny",
    "nobody has explained who pays for it in the long run",
    "the same argument was made ten years ago and it didn't hold then",
    "the people most affected were not asked at all",
    "this is exactly the kind of reporting we need more of",
    "the timeline seems optimistic given past projects",
    "there's a *real* risk the costs are underestimated",
    "I'd like to see the full report rather than a summary",
    "the quote from the minister says more than it means to",
    "local councils should have a say before anything is signed",
]
CLOSERS = [
    "",
    "We'll see.",
    "Keep at it.",
    "Time will tell.",
    "Happy to be proven wrong.",
    "Source: the [public accounts](https://example.org/accounts).",
    "> Districts follow people.\n\nQuite.",
    "Anyone else remember the last time?",
]
REPLIES = [
    "Fair point, though I'd add that the costs were published last spring.",
    "I don't think that's what the article says.",
    "Agreed, and the council minutes back you up.",
    "Do you have a source for that?",
    "Yes: the harbour authority's own report, page 14.",
    "That's a stretch.",
    "Exactly this.",
    "Not in my street, it isn't.",
    "Thanks, I hadn't seen that.",
    "We can disagree on this one.",
]

# Pages (by slug) that get busy discussions, and how many top-level comments.
BUSY = {
    "assembly-passes-harbour-budget": 180,
    "night-buses-are-a-question-of-fairness": 120,
    "border-talks-stall-over-river-crossings": 70,
}


def _text(rng: random.Random) -> str:
    opener, middle, closer = rng.choice(OPENERS), rng.choice(MIDDLES), rng.choice(CLOSERS)
    if opener.endswith("."):
        middle = middle[0].upper() + middle[1:]
    return f"{opener} {middle}." + (f"\n\n{closer}" if closer else "")


def _comment(page, rng, when, parent=None, text=None) -> Comment:
    name = rng.choice(NAMES)
    body = text or _text(rng)
    return Comment(
        page_id=page.pk,
        parent=parent,
        thread_id=(parent.thread_id or parent.pk) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        guest_name=name,
        guest_email=f"{name.lower().replace(' ', '.').replace('.', '')[:20]}@example.org",
        guest_key=keyed_hash("reader", f"demo-{name}"),
        ip_hash=keyed_hash("address", f"demo-{name}"),
        body=body,
        body_html=render_comment(body),
        status=Comment.Status.APPROVED,
        created_at=when,
    )


PASSAGE_REMARKS = [
    "Is there a source for this figure?",
    "This is the key sentence of the whole piece.",
    "I read this differently: it sounds like a concession.",
]


def _rate(page, rng: random.Random) -> None:
    stars = [
        rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 3, 6, 5])[0] for _ in range(rng.randint(0, 60))
    ]
    Rating.objects.bulk_create(
        Rating(
            page_id=page.pk,
            voter=f"g:demo-rater-{n}",
            ip_hash=keyed_hash("address", f"r{n}"),
            stars=s,
        )
        for n, s in enumerate(stars)
    )
    if stars:
        RatingSummary.objects.update_or_create(
            page_id=page.pk, defaults={"count": len(stars), "total": sum(stars)}
        )


def _passage_comments(page, rng: random.Random, start) -> int:
    """Two comments on passages of the article's first paragraph, anchored to its text."""
    text = page.specific.plain_text()
    first = text.split("\n\n", 1)[0]
    words = first.split(" ")
    if len(words) < 8 or rng.random() < 0.5:
        return 0
    made = 0
    for n in range(2):
        begin = rng.randrange(0, len(words) - 5)
        passage = " ".join(words[begin : begin + rng.randint(3, 5)]).rstrip(".,;:")
        at = text.index(passage)
        quote = quote_at(text, at, at + len(passage))
        comment = _comment(page, rng, start + timedelta(minutes=11 + n), text=PASSAGE_REMARKS[n])
        comment.save()
        anchor_comment(comment, page, quote)
        made += 1
    return made


@transaction.atomic
def seed_demo_comments(pages: list[Page]) -> int:
    """Add demo discussions to the given pages that have none; returns comments created."""
    created = 0
    # A page is done once it has comments or ratings (some demo pages get only ratings).
    with_comments = set(
        Comment.objects.filter(page__in=pages).values_list("page_id", flat=True).distinct()
    ) | set(RatingSummary.objects.filter(page__in=pages).values_list("page_id", flat=True))
    for page in pages:
        if page.pk in with_comments:
            continue
        rng = random.Random(page.slug)  # noqa: S311 - demo text, not secrets
        start = page.first_published_at or timezone.now()
        top_count = BUSY.get(page.slug, rng.randint(0, 8))
        # Spread over the first hours after publication, never into the future.
        span = min(timedelta(hours=4), max(timezone.now() - start, timedelta(0)) / 2)
        step = span / max(top_count, 1)
        when = [start + step * i for i in range(top_count)]
        tops = Comment.objects.bulk_create([_comment(page, rng, t) for t in when])
        replies: list[Comment] = []
        for top in tops:
            for n in range(rng.choice([0, 0, 0, 1, 1, 2, 3])):
                replies.append(
                    _comment(
                        page,
                        rng,
                        top.created_at + timedelta(minutes=5 + n),
                        top,
                        rng.choice(REPLIES),
                    )
                )
        replies = Comment.objects.bulk_create(replies)
        # A few long back-and-forths, deeper than the display depth.
        chains: list[Comment] = []
        for top in tops[: 3 if page.slug in BUSY else 1]:
            parent = top
            for level in range(7):
                reply = _comment(
                    page,
                    rng,
                    top.created_at + timedelta(minutes=30 + level),
                    parent,
                    rng.choice(REPLIES),
                )
                reply.save()
                chains.append(reply)
                parent = reply
        every = tops + replies + chains
        votes = []
        for comment in every:
            for voter in rng.sample(range(60), rng.choice([0, 0, 1, 2, 3, 5, 8, 13])):
                votes.append(
                    Vote(
                        comment=comment,
                        voter=f"g:demo-voter-{voter}",
                        ip_hash=keyed_hash("address", f"demo-voter-{voter}"),
                        value=1 if rng.random() < 0.75 else -1,
                    )
                )
        Vote.objects.bulk_create(votes)
        created += len(every)
        _rate(page, rng)
        created += _passage_comments(page, rng, start)
    if created:
        recount()
    return created
