from django.urls import path

from broadsheet.newsroom import views

app_name = "newsroom"

urlpatterns = [
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
]
