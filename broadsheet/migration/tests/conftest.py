"""A newsroom with something of every kind an export carries."""

import shutil
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, User
from django.test import override_settings
from django.utils import timezone
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Site

from broadsheet.engagement import services
from broadsheet.engagement.identity import Reader, keyed_hash
from broadsheet.engagement.models import Comment
from broadsheet.engagement.tests.conftest import guest, guest_comment
from broadsheet.moderation.models import Ban, ModerationAction, Report
from broadsheet.newsroom.models import (
    Correction,
    PublicationSettings,
    RelatedArticlePick,
    SupportCallToAction,
)
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    AuthorFactory,
    HomePageFactory,
    ImageFactory,
    SectionPageFactory,
    handout_lead_image,
)
from broadsheet.notifications.models import Address, Subscription
from broadsheet.tests.module_rows import module_rows


@pytest.fixture(scope="module")
def rich_newsroom(django_db_setup, django_db_blocker, tmp_path_factory):
    """`rich_site`, built once per module (1 s): each test's changes, an import's among
    them, are rolled back after it. Its files stay in a folder of the module's own."""
    media = tmp_path_factory.mktemp("rich-site-media")

    def build():
        with override_settings(MEDIA_ROOT=media):
            return _rich_site()

    with module_rows(django_db_blocker, build) as site:
        yield {"site": site, "media": media}


@pytest.fixture
def rich_site(rich_newsroom, db, settings):
    """Sections (one a column), authors (one an editor's byline with a photo), tags,
    articles with revisions, corrections, a lead image with provenance and a body image,
    a draft, threads of comments (held, spam, removed), votes, ratings, a passage anchor,
    subscriptions confirmed and waiting, moderation rows, a redirect.

    The files of its pictures are copied to this test's MEDIA_ROOT: a test may delete
    them (a wipe before an import), and the next test finds them again."""
    shutil.copytree(rich_newsroom["media"], settings.MEDIA_ROOT, dirs_exist_ok=True)
    return rich_newsroom["site"]


def _rich_site() -> dict:
    home = HomePageFactory()
    site = Site.objects.get(is_default_site=True)
    cta = SupportCallToAction.objects.create(
        text="Independent journalism needs you.", label="Join", link="https://example.org/join"
    )
    PublicationSettings.objects.create(site=site, name="The Harbour Herald", tagline="Daily")
    world = SectionPageFactory(parent=home, title="World", slug="world", support_cta=cta)
    opinion = SectionPageFactory(
        parent=home,
        title="Opinion",
        slug="opinion",
        is_column=True,
        disclaimer="Columnists speak for themselves.",
    )
    editor = User.objects.create_user("desk", "desk@example.org", "a-long-password-2")
    editor.groups.add(Group.objects.get(name="Moderators"))
    EmailAddress.objects.create(user=editor, email="desk@example.org", verified=True, primary=True)
    reader_account = User.objects.create_user("cy", "cy@example.org", "a-long-password-3")
    ada = AuthorFactory(name="Ada Byrne", slug="ada-byrne", photo=ImageFactory(title="Ada"))
    ben = AuthorFactory(name="Ben Okafor", slug="ben-okafor", user=editor)
    lead = ImageFactory(title="Hotel steps")
    inline = ImageFactory(title="Queue of lorries")
    story = ArticlePageFactory(
        parent=world,
        title="Bridge talks stall",
        slug="bridge-talks-stall",
        standfirst="Negotiators left without a date.",
        authors=[ada, ben],
        tags=["Diplomacy", "Bridges & Tunnels"],
        **handout_lead_image(lead),
        body=[
            ("paragraph", "<p>Talks ended before dawn.</p><p>Lorries still queue.</p>"),
            ("heading", "What comes next"),
            (
                "quote",
                {"quote": "We came to sign.", "speaker": "K. Vosk", "outlet": "", "link": ""},
            ),
            (
                "image",
                {
                    "image": inline,
                    "caption": "The queue at noon.",
                    "credit": "Reader photo",
                    "source": "A reader",
                    "provenance": "reader",
                    "verified": False,
                    "usage_restriction": "",
                },
            ),
        ],
    )
    story.standfirst = "Negotiators left without a date, again."
    story.save_revision(user=editor).publish()
    Correction.objects.create(
        page=story, published_at=timezone.now(), text="An earlier version misnamed the hotel."
    )
    column = ArticlePageFactory(
        parent=opinion, title="Build the bridge", slug="build-the-bridge", authors=[ada]
    )
    RelatedArticlePick.objects.create(page=column, article=story)
    ArticlePageFactory(parent=world, title="Draft story", slug="draft-story", live=False)
    ArticlePageFactory(parent=home, title="Front-page story", slug="front-page-story")

    alice, bob = guest("alice"), guest("bob", "198.51.100.2")
    first = guest_comment(
        story,
        alice,
        "Who *pays* for the bridge?",
        name="Alice",
        email="alice@example.org",
        quote={"exact": "Lorries still queue.", "prefix": "", "suffix": ""},
    )
    reply = guest_comment(
        story, bob, "Taxpayers, as ever.", name="Bob", email="bob@example.org", parent_id=first.pk
    )
    account = Reader(user=reader_account, guest_key="", ip_hash=keyed_hash("address", "10.0.0.9"))
    services.post_comment(page_id=story.pk, reader=account, body="Deep reply", parent_id=reply.pk)
    spam = guest_comment(column, bob, "Cheap pills", name="Bob", email="bob@example.org")
    services.set_status(spam.pk, Comment.Status.SPAM, "spam")
    gone = guest_comment(column, alice, "Second thoughts", name="Alice", email="alice@example.org")
    services.delete_comment(comment_id=gone.pk, reader=alice)
    services.cast_vote(comment_id=first.pk, reader=bob, value=1)
    services.cast_vote(comment_id=first.pk, reader=account, value=-1)
    services.rate_page(page_id=story.pk, reader=alice, stars=4)
    services.rate_page(page_id=story.pk, reader=account, stars=2)

    address = Address.objects.create(email="alice@example.org")
    Subscription.objects.create(
        address=address, page=story, kind="comments", confirmed_at=timezone.now()
    )
    Subscription.objects.create(
        address=address,
        page=column,
        kind="replies",
        confirmation_sent_at=timezone.now() - timedelta(hours=1),
    )
    Subscription.objects.create(
        address=Address.objects.create(email="cy@example.org"),
        user=reader_account,
        kind="mentions",
        confirmed_at=timezone.now(),
    )
    Ban.objects.create(kind="email", value="Spammer@Example.org", reason="pills")
    Report.objects.create(comment=reply, reporter=alice.voter, reason="off-topic")
    ModerationAction.objects.create(moderator=editor, action="spam", comment=spam, target="Bob")
    Redirect.objects.create(old_path="/2019/05/bridge", site=site, redirect_page=story)
    return {"home": home, "story": story, "column": column, "first": first, "reply": reply}
