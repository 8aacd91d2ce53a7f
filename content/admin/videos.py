"""Videos in the admin: moderators filter by moderation and processing state, watch, hide or remove in bulk."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from content.models import Rendition, Video
from content.services import video_pipeline, videos
from core.admin_actions import ModerationAdmin
from core.errors import ApplicationError


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    fields = [
        "name",
        "width",
        "height",
        "status",
        "progress",
        "attempts",
        "error_code",
        "error_message",
        "heartbeat_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Video)
class VideoAdmin(ModerationAdmin):
    moderate_permission = "content.moderate_videos"
    list_display = ["title", "owner", "status", "moderation_status", "visibility", "view_count", "created_at"]
    list_filter = ["moderation_status", "status", "visibility"]
    search_fields = ["title", "owner__email", "owner__handle", "=id"]
    list_select_related = ["owner"]
    ordering = ["-id"]
    inlines = [RenditionInline]
    actions = ["hide_videos", "remove_videos", "restore_videos", "retry_failed_renditions"]
    fields = [
        "watch", "title", "owner", "description", "tags", "visibility", "publish_at", "status", "error_code",
        "error_message", "duration", "width", "height", "fps", "video_codec", "audio_codec", "geo_allow", "geo_deny",
        "monetized", "midroll_offsets", "minimum_tier", "moderation_status", "moderation_reason", "moderated_by",
        "moderated_at", "view_count", "created_at",
    ]  # fmt: skip
    readonly_fields = fields

    class Media:
        # hls.js plays the HLS ladder where the browser has Media Source Extensions; the small
        # script picks it, or native HLS (iOS Safari). See content/static/content/admin_player.js.
        js = ["vendor/hls/hls.min.js", "content/admin_player.js"]

    @admin.display(description="Watch")
    def watch(self, video: Video):
        if not video.master_playlist:
            return "Nothing playable yet."
        master = reverse("v1:video-media", args=[video.pk, video.master_playlist])
        poster = reverse("v1:video-media", args=[video.pk, video.poster]) if video.poster else ""
        return format_html(
            '<video controls preload="metadata" width="480" poster="{}" data-hls="{}"></video>'
            '<p><a href="{}">HLS master playlist</a> (also plays in VLC and ffplay)</p>',
            poster,
            master,
            master,
        )

    def moderate_one(self, video, *, status: str, reason: str, by) -> None:
        videos.video_moderate(video=video, moderator=by, status=status, reason=reason)

    @admin.action(description="Limit the selected videos (out of listings and search)…", permissions=["moderate"])
    def hide_videos(self, request, queryset):
        return self.moderate(
            request, queryset, status=Video.Moderation.LIMITED, title="Limit videos", submit_label="Limit",
            description="They stay playable by link but leave every listing and search.",
        )  # fmt: skip

    @admin.action(description="Remove the selected videos…", permissions=["moderate"])
    def remove_videos(self, request, queryset):
        return self.moderate(
            request, queryset, status=Video.Moderation.REMOVED, title="Remove videos", submit_label="Remove",
            description="They leave every listing and their playback URLs stop working. The owner sees the reason.",
        )  # fmt: skip

    @admin.action(description="Make the selected videos visible again…", permissions=["moderate"])
    def restore_videos(self, request, queryset):
        return self.moderate(
            request, queryset, status=Video.Moderation.VISIBLE, title="Restore videos", submit_label="Restore",
            description="They are listed and playable again.",
        )  # fmt: skip

    @admin.action(description="Retry the failed renditions of the selected videos", permissions=["moderate"])
    def retry_failed_renditions(self, request, queryset):
        for video in queryset:
            try:
                names = video_pipeline.video_reprocess(video_id=video.pk)
            except ApplicationError as error:
                self.message_user(request, f"{video}: {error.message}", messages.ERROR)
                continue
            self.message_user(request, f"{video}: {', '.join(names) or 'nothing to retry'}", messages.SUCCESS)
