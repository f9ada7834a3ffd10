from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "broadsheet.moderation"
    label = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        """The shared cache's copy of the rules goes when they change (verdicts.rules)."""
        from django.db.models.signals import post_delete, post_save

        from broadsheet.moderation.models import ModerationRules
        from broadsheet.moderation.verdicts import forget_rules

        for signal in (post_save, post_delete):
            signal.connect(forget_rules, sender=ModerationRules, dispatch_uid=f"rules-{signal}")
