from django.urls import path

import broadsheet.reader_input  # noqa: F401 - registers the <id:...> URL converter
from broadsheet.live import views

app_name = "live"

urlpatterns = [
    path("live/articles/<id:page_id>/events", views.stream, name="stream"),
]
