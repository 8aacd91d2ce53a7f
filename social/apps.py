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
