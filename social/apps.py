from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.selectors import profile_hidden_check_set
        from content.relations import relations_provider_set
        from notifications.services import relationship_provider_set
        from social.selectors.relations import ContentRelations, blocked_by, relationship

        relationship_provider_set(provider=relationship)
        relations_provider_set(provider=ContentRelations())
        profile_hidden_check_set(check=blocked_by)

        from core.dashboard import home
        from core.dashboard.navigation import register
        from social.dashboard import home as studio_home

        register(label="Comments", url_name="social_studio:comments", order=35)
        home.register_figures(key="social", provider=studio_home.figures, order=20)
        home.register_attention(key="comments", provider=studio_home.attention, order=20)

        from django.urls import reverse

        from core.dashboard import links

        links.register(model="social.comment", url=lambda pk: reverse("social_studio:comments"))
