from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "broadsheet.notifications"
    label = "notifications"
    verbose_name = "Reader notifications"

    def ready(self) -> None:
        from broadsheet.engagement.signals import comment_approved
        from broadsheet.notifications.signals import comment_approved_receiver

        comment_approved.connect(comment_approved_receiver, dispatch_uid="notifications-comment")
