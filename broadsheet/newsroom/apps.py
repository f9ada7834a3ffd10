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
