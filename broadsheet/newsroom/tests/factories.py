"""factory_boy factories for the newsroom: pages are added under a parent in the tree."""

import io

import factory
from django.core.files.images import ImageFile
from PIL import Image as PillowImage
from wagtail.images.models import Image
from wagtail.models import Page, Site

from broadsheet.newsroom.models import ArticlePage, Author, HomePage, SectionPage


def png_bytes(width: int = 640, height: int = 360, colour=(40, 90, 140)) -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def handout_lead_image(image: Image | None = None) -> dict:
    """An article's lead picture as agencies and ministries hand them out: a third-party,
    unverified image with a usage restriction (the provenance note readers must see).
    The picture is `image`, or a new one."""
    return {
        "lead_image": image or ImageFactory(title="Hotel steps"),
        "lead_image_caption": "Delegates leave the hotel.",
        "lead_image_credit": "Ministry/Handout",
        "lead_image_source": "Ministry of Foreign Affairs",
        "lead_image_provenance": "handout",
        "lead_image_verified": False,
        "lead_image_usage_restriction": "Editorial use only",
    }


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Image

    title = factory.Sequence(lambda n: f"Picture {n}")
    description = factory.LazyAttribute(lambda o: f"{o.title}, as alt text")
    file = factory.LazyAttribute(
        lambda o: ImageFile(io.BytesIO(png_bytes()), name=f"{o.title.replace(' ', '-')}.png")
    )


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Writer {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))
    bio = "Writes about the city."


class PageFactory(factory.django.DjangoModelFactory):
    """Creates a page as a child of `parent` and publishes it unless live=False."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Page {n}")

    @classmethod
    def _create(cls, model_class, *args, parent=None, live=True, **kwargs):
        page = model_class(*args, live=live, **kwargs)
        parent.add_child(instance=page)
        if live:
            page.save_revision().publish()
            page.refresh_from_db()
        return page


class HomePageFactory(PageFactory):
    class Meta:
        model = HomePage

    title = "Front page"
    slug = "front-page"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        kwargs.setdefault("parent", Page.get_first_root_node())
        home = super()._create(model_class, *args, **kwargs)
        site = Site.objects.get(is_default_site=True)
        site.root_page = home
        site.save()
        return home


class SectionPageFactory(PageFactory):
    class Meta:
        model = SectionPage

    title = factory.Sequence(lambda n: f"Section {n}")


class ArticlePageFactory(PageFactory):
    class Meta:
        model = ArticlePage

    title = factory.Sequence(lambda n: f"Story number {n}")
    standfirst = "A short summary of the story."
    body = factory.LazyFunction(lambda: [("paragraph", "<p>First paragraph of the story.</p>")])

    @classmethod
    def _create(cls, model_class, *args, authors=(), tags=(), **kwargs):
        from broadsheet.newsroom.models import ArticleAuthor

        live = kwargs.get("live", True)
        kwargs["live"] = False
        page = super()._create(model_class, *args, **kwargs)
        for order, author in enumerate(authors):
            page.article_authors.add(ArticleAuthor(author=author, sort_order=order))
        if tags:
            page.tags.add(*tags)
        if live:
            page.save_revision().publish()
        else:
            page.save()
        page.refresh_from_db()
        return page
