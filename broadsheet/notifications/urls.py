from django.urls import path

import broadsheet.reader_input  # noqa: F401 - registers the <id:...> URL converter
from broadsheet.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/subscribe/<id:page_id>/", views.subscribe, name="subscribe"),
    path("notifications/confirm/<str:token>/", views.confirm, name="confirm"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notifications/manage/<str:token>/", views.manage, name="manage"),
]
