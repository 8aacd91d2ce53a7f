from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import stripe
        from django.conf import settings

        from billing import receivers, tasks  # noqa: F401 (connects the dj-stripe receivers, registers tasks)
        from billing.admin_pending import disputes_needing_response
        from core import admin_pending

        admin_pending.register(key="billing-disputes", provider=disputes_needing_response, order=50)

        from core.dashboard.navigation import register as studio_nav

        studio_nav(label="Memberships", url_name="billing_studio:memberships", order=45)

        # dj-stripe calls Stripe through stripe-python's module-level client: the peer, or Stripe.
        if settings.STRIPE_API_BASE:
            stripe.api_base = settings.STRIPE_API_BASE
