"""The article page's anatomy, read from the HTML a reader receives."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from broadsheet.newsroom.models import Correction, PublicationSettings, SupportCallToAction
from broadsheet.newsroom.tests.factories import (
    ArticlePageFactory,
    ImageFactory,
    SectionPageFactory,
)

pytestmark = pytest.mark.django_db


def get_html(client, page) -> str:
    response = client.get(page.url)
    assert response.status_code == 200
    return response.content.decode()


def json_ld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def positions(html: str, markers: list[str]) -> list[int]:
    found = [html.find(marker) for marker in markers]
    assert -1 not in found, dict(zip(markers, found, strict=True))
    return found


def test_article_parts_appear_in_reading_order(client, handout_article):
    cta = SupportCallToAction.objects.create(
        text="Readers pay for this.", label="Join", link="https://example.org/join"
    )
    handout_article.section.support_cta = cta
    handout_article.section.save()
    Correction.objects.create(
        page=handout_article, published_at=timezone.now(), text="We misspelt a name."
    )

    html = get_html(client, handout_article)

    order = positions(
        html,
        [
            'class="kicker"',
            'id="headline"',
            'class="standfirst"',
            'class="byline"',
            "<figure",
            'class="article-body"',
            'class="corrections"',
            'class="support-cta"',
            'data-slot="rating"',
            'data-slot="comments"',
            'data-slot="related"',
        ],
    )
    assert order == sorted(order)


def test_lead_figure_shows_caption_credit_and_provenance_note(client, handout_article):
    html = get_html(client, handout_article)
    figcaption = re.search(r"<figcaption>(.*?)</figcaption>", html, re.S).group(1)

    assert "Delegates leave the hotel." in figcaption
    assert "Photo: Ministry/Handout" in figcaption
    # A handout, and separately, one the newsroom could not verify: both said.
    assert "Handout picture, provided by Ministry of Foreign Affairs." in figcaption
    assert "could not independently verify" in figcaption
    assert "Editorial use only" in figcaption
    # Who provided it is said once, by the kind's note.
    assert "This picture was provided by a third party" not in figcaption


def test_staff_photo_has_no_provenance_note(client, world):
    article = ArticlePageFactory(
        parent=world,
        lead_image=ImageFactory(),
        lead_image_caption="The quay at dawn.",
        lead_image_credit="Staff photographer",
        lead_image_provenance="staff",
    )
    figcaption = re.search(r"<figcaption>(.*?)</figcaption>", get_html(client, article), re.S)

    assert "The quay at dawn." in figcaption.group(1)
    assert "third party" not in figcaption.group(1)


def test_quote_keeps_speaker_outlet_and_link(client, handout_article):
    html = get_html(client, handout_article)
    quote = re.search(r"<blockquote.*?</blockquote>", html, re.S).group(0)

    assert 'cite="https://example.org/statement"' in quote
    assert "We came to sign a timetable." in quote
    assert "Katrin Vosk" in quote
    assert "Foreign Ministry" in quote


def test_json_ld_describes_the_article(client, handout_article):
    data = json_ld(get_html(client, handout_article))

    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Bridge talks stall"
    assert data["description"] == "Negotiators left without a date."
    assert data["datePublished"].startswith(str(handout_article.first_published_at.date()))
    assert data["dateModified"]
    assert [a["name"] for a in data["author"]] == ["Ada Byrne", "Ben Okafor"]
    assert all(a["@type"] == "Person" and a["url"].endswith("/") for a in data["author"])
    assert data["articleSection"] == "World"
    assert data["articleBody"] == (
        "Talks ended before dawn.\n\nLorries still queue.\n\nWhat comes next\n\n"
        "We came to sign a timetable."
    )
    assert data["isAccessibleForFree"] is True
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["name"]
    image = data["image"]
    assert image["@type"] == "ImageObject"
    assert image["url"].startswith("http")
    assert image["caption"] == "Delegates leave the hotel."
    assert image["creditText"] == "Ministry/Handout"
    assert image["copyrightNotice"] == "Ministry/Handout"
    assert image["width"] > 0 and image["height"] > 0
    assert image["sourceOrganization"]["name"] == "Ministry of Foreign Affairs"
    assert image["description"].startswith("Source: Handout. Handout picture")
    assert "could not independently verify" in image["description"]
    assert "Editorial use only" in image["description"]
    assert "usageInfo" not in image  # schema.org wants a URL there: the text is not one


def test_a_verified_handout_and_an_unverified_agency_picture_say_so(client, world):
    handout = ArticlePageFactory(
        parent=world,
        lead_image=ImageFactory(),
        lead_image_credit="Ministry/Handout",
        lead_image_source="Ministry",
        lead_image_provenance="handout",
        lead_image_verified=True,
        lead_image_usage_restriction="https://example.org/licence",
    )
    html = get_html(client, handout)
    assert "Handout picture, provided by Ministry." in html
    assert "could not independently verify" not in html
    assert json_ld(html)["image"]["usageInfo"] == "https://example.org/licence"

    agency = ArticlePageFactory(
        parent=world,
        lead_image=ImageFactory(),
        lead_image_credit="Agency",
        lead_image_provenance="agency",
        lead_image_verified=False,
    )
    html = get_html(client, agency)
    assert "could not independently verify" in html and "Handout" not in html


def test_publisher_logo_appears_when_set(client, handout_article):
    settings = PublicationSettings.for_site(handout_article.get_site())
    settings.name = "The Test Ledger"
    settings.logo = ImageFactory(title="Logo")
    settings.save()

    publisher = json_ld(get_html(client, handout_article))["publisher"]

    assert publisher["name"] == "The Test Ledger"
    assert publisher["logo"]["@type"] == "ImageObject"
    assert publisher["logo"]["url"].startswith("http")


def test_column_article_is_opinion_with_disclaimer(client, opinion, ada):
    article = ArticlePageFactory(parent=opinion, authors=[ada])
    html = get_html(client, article)

    assert json_ld(html)["@type"] == "OpinionNewsArticle"
    assert "Columnists speak for themselves, not for the paper." in html
    assert html.find("column-disclaimer") > html.find('class="article-body"')


def test_a_column_called_opinion_is_named_once_in_the_kicker(client, opinion, ada):
    html = get_html(client, ArticlePageFactory(parent=opinion, authors=[ada]))
    kicker = re.search(r'<p class="kicker">.*?</p>', html, re.S)[0]
    assert re.sub(r"<[^>]+>", "", kicker).strip() == "Opinion"


def test_a_column_with_its_own_name_is_marked_opinion(client, home, ada):
    column = SectionPageFactory(
        parent=home, title="The Long View", slug="long-view", is_column=True, disclaimer="Ours."
    )
    html = get_html(client, ArticlePageFactory(parent=column, authors=[ada]))
    kicker = re.search(r'<p class="kicker">.*?</p>', html, re.S)[0]
    assert " ".join(re.sub(r"<[^>]+>", " ", kicker).split()) == "The Long View Opinion"


def test_news_article_has_no_column_disclaimer(client, handout_article, opinion):
    html = get_html(client, handout_article)
    assert "column-disclaimer" not in html
    assert "Columnists speak for themselves" not in html


def test_support_call_to_action_falls_back_to_the_publication_default(client, handout_article):
    default = SupportCallToAction.objects.create(
        text="Keep us independent.", label="Donate", link="https://example.org/give"
    )
    settings = PublicationSettings.for_site(handout_article.get_site())
    settings.default_support_cta = default
    settings.save()

    html = get_html(client, handout_article)

    assert "Keep us independent." in html
    assert 'href="https://example.org/give"' in html


def test_sharing_meta_and_canonical_link(client, handout_article):
    html = get_html(client, handout_article)

    assert re.search(r'<link rel="canonical" href="http[^"]+/world/bridge-talks-stall/">', html)
    assert '<meta property="og:title" content="Bridge talks stall">' in html
    assert '<meta property="og:type" content="article">' in html
    assert re.search(r'<meta property="og:image" content="http[^"]+\.png">', html)
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_corrections_are_listed(client, handout_article):
    Correction.objects.create(
        page=handout_article,
        published_at=timezone.now() - timedelta(days=1),
        text="An earlier version misnamed the hotel.",
    )
    html = get_html(client, handout_article)
    corrections = re.search(r'<section class="corrections".*?</section>', html, re.S).group(0)
    assert "An earlier version misnamed the hotel." in corrections


def test_pages_have_no_inline_script_or_style(client, handout_article):
    for url in [handout_article.url, handout_article.section.url, "/", "/authors/ada-byrne/"]:
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
        assert all('type="application/ld+json"' in attrs for attrs in scripts), url
        assert "style=" not in html, url


def test_body_image_block_shows_its_own_caption_and_credit(client, world):
    article = ArticlePageFactory(
        parent=world,
        body=[
            (
                "image",
                {
                    "image": ImageFactory(title="Body picture"),
                    "caption": "A second picture.",
                    "credit": "Agency/Photographer",
                    "source": "Agency",
                    "provenance": "agency",
                    "usage_restriction": "",
                },
            )
        ],
    )
    html = get_html(client, article)
    figure = re.search(r"<figure.*?</figure>", html, re.S).group(0)
    assert "A second picture." in figure
    assert "Photo: Agency/Photographer" in figure


def test_editors_related_picks_show_in_order_and_only_when_live(client, world, handout_article):
    from broadsheet.newsroom.models import RelatedArticlePick

    first = ArticlePageFactory(parent=world, title="Picked first")
    second = ArticlePageFactory(parent=world, title="Picked second")
    draft = ArticlePageFactory(parent=world, title="Picked draft", live=False)
    for order, article in enumerate([second, draft, first]):
        RelatedArticlePick.objects.create(page=handout_article, article=article, sort_order=order)

    html = get_html(client, handout_article)
    related = re.search(r'data-slot="related">(.*?)</section>', html, re.S).group(1)

    assert related.find("Picked second") < related.find("Picked first")
    assert "Picked draft" not in related


def test_draft_article_is_not_served(client, world):
    draft = ArticlePageFactory(parent=world, live=False, slug="secret-draft")
    assert client.get("/world/secret-draft/").status_code == 404
    assert draft.live is False
