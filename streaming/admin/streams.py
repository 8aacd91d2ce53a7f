"""Live streams in the admin: moderators filter and search them and end a live one with a reason.

The stream key is never shown (it is not among the fields, and search does not look at it)."""

from __future__ import annotations

from django.contrib import admin

from core.admin_actions import ReasonForm, run_with_reason
from streaming.models import LiveStream, StreamProviderEvent
from streaming.services import streams as services


class ProviderEventInline(admin.TabularInline):
    model = StreamProviderEvent
    extra = 0
    can_delete = False
    fields = ["event_time", "detail_type", "event_name", "outcome", "event_id"]
    readonly_fields = fields
    ordering = ["-event_time"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LiveStream)
class LiveStreamAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "status", "provider", "visibility", "scheduled_at", "started_at", "peak_viewers"]
    list_filter = ["status", "provider", "visibility"]
    search_fields = ["title", "owner__handle", "=id"]
    list_select_related = ["owner"]
    ordering = ["-id"]
    inlines = [ProviderEventInline]
    actions = ["end_streams"]
    fields = [
        "title", "owner", "description", "tags", "visibility", "status", "scheduled_at", "started_at", "ended_at",
        "ended_reason", "ended_by", "provider", "ivs_channel_arn", "playback_url", "record", "recording_video",
        "chat_enabled", "slow_mode_seconds", "followers_only_minutes", "subscribers_only", "emoji_only",
        "peak_viewers", "average_viewers", "total_watch_seconds", "unique_viewers", "chat_messages_count",
        "created_at",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="End the selected live streams…", permissions=["moderate"])
    def end_streams(self, request, queryset):
        return run_with_reason(
            self, request, queryset, form_class=ReasonForm, title="End live streams", submit_label="End",
            description="The streams stop now and cannot restart. The streamer is told the reason.",
            apply=lambda stream, data: services.stream_end_by_moderator(
                stream=stream, moderator=request.user, reason=data["reason"]
            ),
        )  # fmt: skip

    def has_moderate_permission(self, request):
        return request.user.has_perm("streaming.moderate_streams")
