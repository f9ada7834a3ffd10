from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "broadsheet.live"
    label = "live"
    verbose_name = "Live threads"

    def ready(self) -> None:
        from broadsheet.engagement.signals import discussion_changed
        from broadsheet.live.publish import discussion_changed_live

        # engagement sends it after commit; live never imports back into engagement's
        # services, it reads the state through engagement's selectors and models.
        discussion_changed.connect(discussion_changed_live, dispatch_uid="live-publish")
