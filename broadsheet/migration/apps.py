from django.apps import AppConfig


class MigrationConfig(AppConfig):
    """Moving in (WordPress + wpDiscuz, Disqus) and out (JSON Lines, WXR). Nothing imports
    this app: it reads and writes the others through their models and services."""

    name = "broadsheet.migration"
    label = "migration"
    verbose_name = "Import and export"
