from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import path, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

import broadsheet.reader_input  # noqa: F401 - registers the <id:...> URL converter
from broadsheet.moderation import admin_views, services


@hooks.register("register_admin_urls")
def register_moderation_urls():
    return [
        path("moderation/", admin_views.queue, name="moderation_queue"),
        path("moderation/log/", admin_views.log, name="moderation_log"),
        path("moderation/bans/<id:ban_id>/lift/", admin_views.lift_ban, name="moderation_lift_ban"),
    ]


class ModeratorsOnly(MenuItem):
    def is_shown(self, request):
        return services.can_moderate(request.user)


@hooks.register("register_admin_menu_item")
def register_moderation_menu_item():
    return ModeratorsOnly("Comments", reverse("moderation_queue"), icon_name="warning", order=240)


class ModerationPanel(Component):
    """The dashboard's view of discussions: what waits, and comments per day for 30 days
    (drawn as an SVG bar chart on the server: no chart library)."""

    name = "moderation"
    order = 90
    template_name = "moderation/admin/panel.html"

    def get_context_data(self, parent_context):
        from broadsheet.engagement.models import Comment

        since = (timezone.now() - timedelta(days=29)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        per_day = dict(
            Comment.objects.filter(created_at__gte=since)
            .annotate(day=TruncDate("created_at"))
            .values("day")
            .annotate(n=Count("pk"))
            .values_list("day", "n")
        )
        days = [(since + timedelta(days=i)).date() for i in range(30)]
        counts = [per_day.get(day, 0) for day in days]
        top = _round_up(max(counts))
        # Plot area: x 44..344 (a 10-unit slot per day), y 12..112 (100 units = `top`).
        bars = [
            {
                "x": 45 + i * 10,
                "y": 112 - round(100 * n / top),
                "height": round(100 * n / top),
                "count": n,
                "day": day,
            }
            for i, (day, n) in enumerate(zip(days, counts, strict=True))
        ]
        y_ticks = [{"value": v, "y": 112 - round(100 * v / top)} for v in (0, top // 2, top)]
        x_ticks = [{"label": f"{days[i].day} {days[i]:%b}", "x": 49 + i * 10} for i in (0, 14, 29)]
        held = Comment.objects.filter(status=Comment.Status.PENDING).count()
        return {
            "held": held,
            "bars": bars,
            "total": sum(counts),
            "most": max(counts),
            "y_ticks": y_ticks,
            "x_ticks": x_ticks,
        }


def _round_up(most: int) -> int:
    """The y axis' top: the day with most comments, rounded up to 2, 5 or 10 × 10^n, so
    the axis reads in round numbers."""
    scale = 1
    while True:
        for step in (2, 5, 10):
            if most <= step * scale:
                return step * scale
        scale *= 10


@hooks.register("construct_homepage_panels")
def add_moderation_panel(request, panels):
    if services.can_moderate(request.user):
        panels.append(ModerationPanel())
