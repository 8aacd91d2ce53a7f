from django.apps import AppConfig


class AdsConfig(AppConfig):
    name = "ads"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ads.admin_pending import campaigns_in_review
        from core import admin_pending
        from core.dashboard.navigation import register

        register(label="Ads", url_name="ads_studio:campaigns", order=70)

        admin_pending.register(key="ads-campaigns-review", provider=campaigns_in_review, order=60)

        from ads.integrations import home_feed_slots, stream_side, video_preroll
        from content.preroll import register_preroll_provider
        from social.sponsored import register_home_slots_provider
        from streaming.sponsored import register_stream_ad_provider

        register_home_slots_provider(home_feed_slots)
        register_preroll_provider(video_preroll)
        register_stream_ad_provider(stream_side)
