"""The creator's posts in the studio, mounted under /studio/ by config/urls.py."""

from django.urls import path

from content.dashboard import post_views as views

app_name = "content_posts_studio"

urlpatterns = [
    path("posts/", views.posts, name="posts"),
    path("posts/new/", views.post_compose, name="compose"),
    path("posts/<uuid:post_id>/edit/", views.post_edit, name="edit"),
    path("posts/<uuid:post_id>/delete/", views.post_delete, name="delete"),
]
