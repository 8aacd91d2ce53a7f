from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications.services import relationship_provider_set
        from social.selectors.relations import relationship

        relationship_provider_set(provider=relationship)
