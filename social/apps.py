from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from content.relations import relations_provider_set
        from notifications.services import relationship_provider_set
        from social.selectors.relations import ContentRelations, relationship

        relationship_provider_set(provider=relationship)
        relations_provider_set(provider=ContentRelations())
