from django.urls import path

from broadsheet.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/subscribe/<int:page_id>/", views.subscribe, name="subscribe"),
    path("notifications/confirm/<str:token>/", views.confirm, name="confirm"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notifications/manage/<str:token>/", views.manage, name="manage"),
]
