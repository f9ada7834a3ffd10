from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "broadsheet.moderation"
    label = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        """The shared cache's copies of the rules and of the spam filter's latest row go
        when those change (verdicts.rules, spam.current_model)."""
        from django.db.models.signals import post_delete, post_save

        from broadsheet.moderation.models import ModerationRules, SpamFilter
        from broadsheet.moderation.spam import forget_latest
        from broadsheet.moderation.verdicts import forget_rules

        for signal in (post_save, post_delete):
            signal.connect(forget_rules, sender=ModerationRules, dispatch_uid=f"rules-{signal}")
            signal.connect(forget_latest, sender=SpamFilter, dispatch_uid=f"spam-{signal}")
