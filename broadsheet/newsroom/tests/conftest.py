import pytest
from django.contrib.auth.models import Group, User

from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    AuthorFactory,
    HomePageFactory,
    SectionPageFactory,
    handout_lead_image,
)


@pytest.fixture
def home(db):
    return HomePageFactory()


@pytest.fixture
def world(home):
    return SectionPageFactory(parent=home, title="World", slug="world")


@pytest.fixture
def opinion(home):
    return SectionPageFactory(
        parent=home,
        title="Opinion",
        slug="opinion",
        is_column=True,
        disclaimer="Columnists speak for themselves, not for the paper.",
    )


@pytest.fixture
def reporter(db):
    """An author: Wagtail's Editors group, who may write and submit but not publish."""
    user = User.objects.create_user("reporter", "reporter@example.org", "a-long-password-1")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def desk_editor(db):
    """An editor who publishes: Wagtail's Moderators group."""
    user = User.objects.create_user(
        "desk", "desk@example.org", "a-long-password-2", first_name="Dana", last_name="Desk"
    )
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def ada(db):
    return AuthorFactory(name="Ada Byrne", slug="ada-byrne")


@pytest.fixture
def ben(db):
    return AuthorFactory(name="Ben Okafor", slug="ben-okafor")


@pytest.fixture
def handout_article(world, ada, ben):
    """A story with two authors and an unverified third-party lead picture."""
    return ArticlePageFactory(
        parent=world,
        title="Bridge talks stall",
        slug="bridge-talks-stall",
        standfirst="Negotiators left without a date.",
        authors=[ada, ben],
        tags=["Diplomacy"],
        **handout_lead_image(),
        body=[
            ("paragraph", "<p>Talks ended before dawn.</p><p>Lorries still queue.</p>"),
            ("heading", "What comes next"),
            (
                "quote",
                {
                    "quote": "We came to sign a timetable.",
                    "speaker": "Katrin Vosk",
                    "outlet": "Foreign Ministry",
                    "link": "https://example.org/statement",
                },
            ),
        ],
    )
