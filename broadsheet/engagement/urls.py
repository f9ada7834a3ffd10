from django.urls import path

import broadsheet.reader_input  # noqa: F401 - registers the <id:...> URL converter
from broadsheet.engagement import views

app_name = "engagement"

urlpatterns = [
    path("comments/<id:page_id>/", views.thread_fragment, name="thread"),
    path("comments/<id:page_id>/form/", views.comment_form, name="form"),
    path("comments/<id:page_id>/post/", views.post_comment, name="post"),
    path("comments/c/<id:comment_id>/vote/", views.vote, name="vote"),
    path("comments/c/<id:comment_id>/edit/", views.edit, name="edit"),
    path("comments/c/<id:comment_id>/delete/", views.delete, name="delete"),
    path("ratings/<id:page_id>/", views.rate, name="rate"),
]
