from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.services.audit import register_audit_listener
        from accounts.services.moderation import register_lift_hook, register_standing_hook
        from moderation.services import enforcement, log
        from streaming.services.chat import register_chat_log_listener

        # Every suspension or ban, whoever makes it (this app, accounts' staff API or admin),
        # reaches every domain; every lift releases what it held.
        register_standing_hook(enforcement.on_standing_changed)
        register_lift_hook(enforcement.on_action_lifted)
        # One log: accounts' moderation entries and streams' chat moderation land in it too.
        register_audit_listener(log.on_accounts_audit_entry)
        register_chat_log_listener(log.on_chat_moderation_entry)

        from core import admin_pending
        from moderation.admin_pending import open_cases

        admin_pending.register(key="moderation-cases", provider=open_cases, order=5)
