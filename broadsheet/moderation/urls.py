from django.urls import path

import broadsheet.reader_input  # noqa: F401 - registers the <id:...> URL converter
from broadsheet.moderation import views

urlpatterns = [
    path("comments/c/<id:comment_id>/report/", views.report, name="report_comment"),
    path("privacy/", views.privacy_request, name="privacy"),
    path("privacy/export/<str:token>/", views.export_by_link, name="privacy_export"),
    path("privacy/erase/<str:token>/", views.erase_by_link, name="privacy_erase"),
]
