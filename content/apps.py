from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from content import video_tasks  # noqa: F401 (registers the Celery tasks)
        from core.dashboard.navigation import register

        register(label="Videos", url_name="content_studio:videos", order=20)
        register(label="Posts", url_name="content_posts_studio:posts", order=30)
