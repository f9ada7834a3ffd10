from django.urls import path

from broadsheet.engagement import views

app_name = "engagement"

urlpatterns = [
    path("comments/<int:page_id>/", views.thread_fragment, name="thread"),
    path("comments/<int:page_id>/form/", views.comment_form, name="form"),
    path("comments/<int:page_id>/post/", views.post_comment, name="post"),
    path("comments/c/<int:comment_id>/vote/", views.vote, name="vote"),
    path("comments/c/<int:comment_id>/edit/", views.edit, name="edit"),
    path("comments/c/<int:comment_id>/delete/", views.delete, name="delete"),
    path("ratings/<int:page_id>/", views.rate, name="rate"),
]
