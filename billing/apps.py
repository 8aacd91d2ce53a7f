from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import stripe
        from django.conf import settings

        from billing import receivers  # noqa: F401 (connects the dj-stripe receivers)
        from billing.admin_pending import disputes_needing_response
        from core import admin_pending

        admin_pending.register(key="billing-disputes", provider=disputes_needing_response, order=50)

        from core.dashboard.navigation import register as studio_nav

        studio_nav(label="Memberships", url_name="billing_studio:memberships", order=45)
        # Payouts (docs/billing.md "Payouts"): finance's pending work, the studio's Earnings page and home.
        from billing.admin_pending import payouts_awaiting_approval
        from billing.earnings_studio import home as earnings_home
        from core.dashboard import home
        from core.dashboard.navigation import register as nav_register

        admin_pending.register(key="billing-payouts", provider=payouts_awaiting_approval, order=45)
        nav_register(label="Earnings", url_name="billing_earnings:earnings", order=55)
        home.register_figures(key="earnings", provider=earnings_home.earnings_figures, order=30)
        home.register_attention(key="payouts-onboarding", provider=earnings_home.earnings_attention, order=40)

        # dj-stripe calls Stripe through stripe-python's module-level client: the peer, or Stripe.
        if settings.STRIPE_API_BASE:
            stripe.api_base = settings.STRIPE_API_BASE
