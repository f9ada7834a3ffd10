"""Builds the demo newsroom: deterministic, idempotent, and drawn rather than downloaded.

Every object is looked up by a stable key (a slug or an image title) before it is made,
so a second run finds everything in place and changes nothing. Pictures are drawn with
Pillow from a seed, so the demo needs no network and no stock photos. The words (the
publication, its authors, sections and stories) are data: demo_content.toml beside
this module.
"""

import io
import random
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PillowImage
from PIL import ImageDraw
from wagtail.images.models import Image
from wagtail.models import Page, Site

from broadsheet.newsroom.models import (
    ArticleAuthor,
    ArticlePage,
    Author,
    Correction,
    HomePage,
    PublicationSettings,
    SectionPage,
    SupportCallToAction,
)

CONTENT = Path(__file__).with_name("demo_content.toml")


@cache
def content() -> dict:
    """demo_content.toml: `now`, `publication`, and lists of `support_cta`, `author`,
    `section` and `story` tables."""
    return tomllib.loads(CONTENT.read_text(encoding="utf-8"))


def published_at(hours_ago: float) -> datetime:
    """Demo times are fixed: so many hours before the file's `now`."""
    return content()["now"] - timedelta(hours=hours_ago)


def blocks(body: list[dict]) -> list[tuple[str, str | dict]]:
    """A story's body as (block type, value): a table with a `quote` is a quote block
    (quote, speaker, outlet); any other holds one key, `paragraph` or `heading`."""
    return [("quote", block) if "quote" in block else next(iter(block.items())) for block in body]


PALETTES = {
    "world": [(34, 61, 96), (228, 170, 112), (70, 110, 140)],
    "politics": [(92, 38, 48), (235, 205, 160), (140, 80, 70)],
    "climate": [(28, 82, 70), (200, 226, 190), (60, 130, 110)],
    "opinion": [(60, 52, 80), (236, 214, 196), (120, 100, 140)],
    "people": [(80, 80, 90), (220, 200, 180), (150, 130, 120)],
}


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.created.append(what)


def draw_scene(seed: str, palette: str, size=(1200, 675)) -> bytes:
    """A calm landscape (sky, sun, hills, rooftops) that is the same for the same seed."""
    rng = random.Random(seed)  # noqa: S311 - pictures, not secrets
    dark, light, mid = PALETTES[palette]
    width, height = size
    picture = PillowImage.new("RGB", size, light)
    pen = ImageDraw.Draw(picture)
    for y in range(height):  # sky: a vertical gradient from dark to light
        t = y / height
        pen.line(
            [(0, y), (width, y)],
            fill=tuple(int(dark[i] * (1 - t) + light[i] * t) for i in range(3)),
        )
    sun_x, sun_y, radius = rng.randint(150, width - 150), rng.randint(80, 260), rng.randint(40, 90)
    pen.ellipse([sun_x - radius, sun_y - radius, sun_x + radius, sun_y + radius], fill=light)
    for layer in range(3):  # hills, nearer ones darker
        base = int(height * (0.55 + layer * 0.12))
        points = [(0, height)]
        for x in range(0, width + 100, 100):
            points.append((x, base + rng.randint(-60, 30)))
        points.append((width, height))
        shade = tuple(int(mid[i] * (1 - layer * 0.3) + dark[i] * layer * 0.3) for i in range(3))
        pen.polygon(points, fill=shade)
    x = rng.randint(0, 200)
    while x < width:  # rooftops along the shore
        w, h = rng.randint(30, 80), rng.randint(40, 160)
        pen.rectangle([x, height - h, x + w, height], fill=dark)
        x += w + rng.randint(5, 60)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=82, optimize=True)
    return buffer.getvalue()


def draw_portrait(seed: str) -> bytes:
    rng = random.Random(seed)  # noqa: S311 - pictures, not secrets
    background = tuple(rng.randint(150, 220) for _ in range(3))
    skin = rng.choice([(236, 200, 170), (200, 150, 110), (140, 95, 65), (95, 65, 45)])
    picture = PillowImage.new("RGB", (400, 400), background)
    pen = ImageDraw.Draw(picture)
    pen.ellipse([60, 270, 340, 560], fill=tuple(rng.randint(30, 90) for _ in range(3)))
    pen.ellipse([130, 90, 270, 260], fill=skin)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def draw_logo(name: str) -> bytes:
    picture = PillowImage.new("RGB", (600, 60), (253, 252, 249))
    pen = ImageDraw.Draw(picture)
    pen.rectangle([0, 0, 60, 60], fill=(138, 28, 28))
    pen.text((80, 18), name, fill=(27, 27, 27), font_size=28)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _image(title: str, filename: str, data: bytes, description: str, report: SeedReport) -> Image:
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    image = Image(title=title, description=description[:255])
    image.file = ImageFile(io.BytesIO(data), name=filename)
    image.save()
    report.add(f"image {title}")
    return image


def _home(report: SeedReport) -> HomePage:
    home = HomePage.objects.first()
    if home:
        return home
    root = Page.get_first_root_node()
    home = HomePage(title=content()["publication"]["name"], slug="front-page")
    root.add_child(instance=home)
    home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    welcome = site.root_page if site else None
    if site is None:
        site = Site(is_default_site=True)
    # The demo's canonical links point where `make run` serves it (BASE_URL).
    base_url = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    site.hostname = base_url.hostname or "localhost"
    site.port = base_url.port or (443 if base_url.scheme == "https" else 80)
    site.root_page = home
    site.site_name = content()["publication"]["name"]
    site.save()
    # Wagtail's install leaves a "Welcome" placeholder at the root; it has served its turn.
    if welcome is not None and welcome.specific_class is Page and not welcome.get_children():
        welcome.delete()
    report.add("home page")
    return home


def _article(section: SectionPage, story: dict, authors: dict, report: SeedReport) -> None:
    if ArticlePage.objects.filter(slug=story["slug"]).exists():
        return
    image_spec = story["image"]
    image = _image(
        title=f"Demo: {story['slug']}",
        filename=f"{story['slug']}.jpg",
        data=draw_scene(story["slug"], story["section"]),
        description=image_spec["caption"],
        report=report,
    )
    published = published_at(story["hours_ago"])
    article = ArticlePage(
        title=story["title"],
        slug=story["slug"],
        standfirst=story["standfirst"],
        first_published_at=published,
        lead_image=image,
        lead_image_caption=image_spec["caption"],
        lead_image_credit=image_spec["credit"],
        lead_image_source=image_spec.get("source", ""),
        lead_image_provenance=image_spec["provenance"],
        lead_image_verified=image_spec.get("verified", True),
        lead_image_usage_restriction=image_spec.get("usage_restriction", ""),
        body=[
            ("paragraph", f"<p>{value}</p>") if kind == "paragraph" else (kind, value)
            for kind, value in blocks(story["body"])
        ],
    )
    for order, slug in enumerate(story["authors"]):
        article.article_authors.add(ArticleAuthor(author=authors[slug], sort_order=order))
    for order, correction in enumerate(story.get("corrections", [])):
        article.corrections.add(
            Correction(
                published_at=published_at(correction["hours_ago"]),
                text=correction["text"],
                sort_order=order,
            )
        )
        article.updated_at = published_at(correction["hours_ago"])
    section.add_child(instance=article)
    article.tags.add(*story["tags"])
    article.save_revision().publish()
    report.add(f"article {story['slug']}")


@transaction.atomic
def seed_demo() -> SeedReport:
    """Create whatever part of the demo newsroom is missing; never change what exists."""
    report = SeedReport()
    home = _home(report)

    site = home.get_site()
    publication = PublicationSettings.for_site(site)
    ctas = {}
    for spec in content()["support_cta"]:
        cta, created = SupportCallToAction.objects.get_or_create(
            link=spec["link"], defaults={"text": spec["text"], "label": spec["label"]}
        )
        ctas[spec["key"]] = cta
        if created:
            report.add(f"call-to-action {spec['key']}")
    if not publication.logo_id:
        publication.name = content()["publication"]["name"]
        publication.tagline = content()["publication"]["tagline"]
        publication.logo = _image(
            "Demo: logo", "logo.png", draw_logo(content()["publication"]["name"]), "Logo", report
        )
        publication.default_support_cta = ctas["members"]
        publication.save()
        report.add("publication settings")

    authors = {}
    for spec in content()["author"]:
        author = Author.objects.filter(slug=spec["slug"]).first()
        if author is None:
            photo = _image(
                f"Demo: portrait of {spec['name']}",
                f"{spec['slug']}.jpg",
                draw_portrait(spec["slug"]),
                f"Portrait of {spec['name']}",
                report,
            )
            author = Author.objects.create(
                slug=spec["slug"],
                name=spec["name"],
                role=spec["role"],
                bio=spec["bio"],
                photo=photo,
            )
            report.add(f"author {spec['slug']}")
        authors[spec["slug"]] = author

    sections = {}
    for spec in content()["section"]:
        section = SectionPage.objects.child_of(home).filter(slug=spec["slug"]).first()
        if section is None:
            section = SectionPage(
                title=spec["title"],
                slug=spec["slug"],
                intro=spec["intro"],
                is_column=spec.get("is_column", False),
                disclaimer=spec.get("disclaimer", ""),
                support_cta=ctas.get(spec.get("support_cta", "")),
            )
            home.add_child(instance=section)
            section.save_revision().publish()
            report.add(f"section {spec['slug']}")
        sections[spec["slug"]] = section

    # Oldest first, so that tree order matches publication order.
    for story in sorted(content()["story"], key=lambda s: -s["hours_ago"]):
        _article(sections[story["section"]], story, authors, report)
    return report
