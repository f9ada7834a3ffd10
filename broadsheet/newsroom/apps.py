from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    name = "broadsheet.newsroom"
    label = "newsroom"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        """The page cache follows publications and discussions (broadsheet.pagecache)."""
        from django.db.models.signals import post_delete
        from wagtail.models import Page
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from broadsheet import pagecache
        from broadsheet.engagement.signals import discussion_changed

        def on_publication(sender, instance, **kwargs):
            pagecache.page_changed(instance.pk)
            pagecache.published()

        def on_discussion(sender, page_id, listed=True, **kwargs):
            pagecache.page_changed(page_id, listings=listed)
            pagecache.purge_cdn(page_id)

        for signal in (page_published, page_unpublished):
            signal.connect(on_publication, dispatch_uid=f"pagecache-{signal}", weak=False)
        # A move changes the page's address and section, as a publication would.
        post_page_move.connect(on_publication, dispatch_uid="pagecache-move", weak=False)
        post_delete.connect(
            on_publication, sender=Page, dispatch_uid="pagecache-delete", weak=False
        )
        discussion_changed.connect(on_discussion, dispatch_uid="pagecache-discussion", weak=False)
        follow_content()


# Saving an image only to note its file's hash or size (Wagtail does so while making a
# rendition, inside a render) changes nothing a page shows.
_IMAGE_BOOKKEEPING = frozenset({"file_hash", "file_size"})


def follow_content() -> None:
    """The parts of pages kept between renders (broadsheet/fragmentcache.py) go stale
    when an editor changes what they show: any page saved, moved or deleted (publishing,
    unpublishing, a new draft, a move or a rename all save the page), and whatever
    pages show of other things: bylines, calls to action, the publication's settings,
    pictures, tags, corrections and picks, sites and view restrictions."""
    from django.db.models.signals import post_delete, post_save
    from taggit.models import Tag
    from wagtail.images import get_image_model
    from wagtail.models import Page, PageViewRestriction, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from broadsheet import fragmentcache
    from broadsheet.newsroom import models

    image = get_image_model()
    shown = (
        Page,
        image,
        models.Author,
        models.SupportCallToAction,
        models.PublicationSettings,
        models.ArticleAuthor,
        models.ArticleTag,
        models.Correction,
        models.RelatedArticlePick,
        Tag,
        Site,
        PageViewRestriction,
    )

    def on_change(sender, instance, update_fields=None, **kwargs):
        if not isinstance(instance, shown):
            return
        if (
            isinstance(instance, image)
            and update_fields
            and set(update_fields) <= _IMAGE_BOOKKEEPING
        ):
            return
        fragmentcache.content_changed()

    def on_page_signal(sender, **kwargs):
        fragmentcache.content_changed()

    for signal in (post_save, post_delete):
        signal.connect(on_change, dispatch_uid=f"fragments-{signal}", weak=False)
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(on_page_signal, dispatch_uid=f"fragments-{signal}", weak=False)
