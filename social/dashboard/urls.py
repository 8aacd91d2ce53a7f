"""The studio's comments page, mounted under /studio/ by config/urls.py."""

from django.urls import path

from social.dashboard import views

app_name = "social_studio"

urlpatterns = [
    path("comments/", views.comments, name="comments"),
    path("comments/<uuid:comment_id>/reply/", views.comment_reply, name="comment-reply"),
]
