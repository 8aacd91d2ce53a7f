from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.dashboard.navigation import register

        register(label="Posts", url_name="content_posts_studio:posts", order=30)
