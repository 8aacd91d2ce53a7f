from django.apps import AppConfig


class StreamingConfig(AppConfig):
    name = "streaming"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.dashboard.navigation import register
        from streaming import checks  # noqa: F401 (registers the system checks)

        register(label="Streams", url_name="streaming_studio:streams", order=40)

        # Tips are payments of purpose "tip": billing calls this handler as their payment moves.
        from billing import purposes
        from billing.models import Payment
        from streaming.services.tips import TipPaymentHandler

        purposes.register(Payment.Purpose.TIP, TipPaymentHandler())

        from core.dashboard import home
        from streaming.dashboard import home as studio_home

        home.register_panel(key="latest-streams", provider=studio_home.latest_streams_panel, order=40)
        home.register_attention(key="streams", provider=studio_home.attention, order=30)

        from core import admin_pending
        from streaming.admin_pending import live_streams

        admin_pending.register(key="live-streams", provider=live_streams, order=60)

        from django.urls import reverse

        from core.dashboard import links

        links.register(model="streaming.livestream", url=lambda pk: reverse("streaming_studio:stream", args=[pk]))

        # A platform suspension or ban closes the account's open chat sockets (close code 4409):
        # moderation.services.enforcement does it with every other domain's part.
