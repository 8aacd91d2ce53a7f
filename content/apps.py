from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.dashboard.navigation import register

        register(label="Videos", url_name="content_studio:videos", order=20)
        register(label="Posts", url_name="content_posts_studio:posts", order=30)

        from content.dashboard import home as studio_home
        from core.dashboard import home

        home.register_figures(key="content", provider=studio_home.figures, order=10)
        home.register_panel(key="views-chart", provider=studio_home.views_chart_panel, order=10)
        home.register_panel(key="latest-videos", provider=studio_home.latest_videos_panel, order=20)
        home.register_panel(key="latest-posts", provider=studio_home.latest_posts_panel, order=30)
        home.register_attention(key="failed-videos", provider=studio_home.attention, order=10)

        from content.admin_pending import failed_videos
        from core import admin_pending

        admin_pending.register(key="failed-videos", provider=failed_videos, order=50)

        from django.urls import reverse

        from core.dashboard import links

        links.register(model="content.video", url=lambda pk: reverse("content_studio:video-edit", args=[pk]))
        links.register(model="content.post", url=lambda pk: reverse("content_posts_studio:edit", args=[pk]))
