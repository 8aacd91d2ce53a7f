"""Moderators' screen for comments. Thin: actions ask for a reason, then call a service per comment.

Find comments by moderation status and target kind (filters), by author (search ``@handle``) or
by words of their text. A comment's page shows its earlier texts (revisions).
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.admin_actions import DeletedFilter as BaseDeletedFilter
from core.admin_actions import ModerationAdmin
from core.admin_inlines import ReadOnlyInline
from social.models import Comment, CommentRevision
from social.services import comments as services


class CommentRevisionInline(ReadOnlyInline):
    model = CommentRevision
    verbose_name_plural = "Earlier texts (oldest first)"
    fields = ("created_at", "text")
    readonly_fields = fields
    ordering = ("id",)


class TargetKindFilter(admin.SimpleListFilter):
    title = "on"
    parameter_name = "target"

    def lookups(self, request, model_admin):
        return [("post", "Posts"), ("video", "Videos")]

    def queryset(self, request, queryset):
        if self.value() == "post":
            return queryset.filter(post__isnull=False)
        if self.value() == "video":
            return queryset.filter(video__isnull=False)
        return queryset


class DeletedFilter(BaseDeletedFilter):
    title = "deleted by author or owner"


@admin.register(Comment)
class CommentAdmin(ModerationAdmin):
    moderate_permission = "social.moderate_comments"
    list_display = (
        "created_at",
        "author",
        "excerpt",
        "target",
        "depth",
        "moderation_status",
        "likes_count",
        "deleted_at",
    )
    list_filter = ("moderation_status", TargetKindFilter, DeletedFilter)
    list_select_related = ("author", "post", "video")
    search_fields = ("text",)
    search_help_text = "Words of the text, or @handle of the author."
    ordering = ("-id",)
    fields = (
        "id",
        "author",
        "post",
        "video",
        "parent",
        "root",
        "depth",
        "text",
        "likes_count",
        "replies_count",
        "moderation_status",
        "moderation_reason",
        "moderated_by",
        "moderated_at",
        "created_at",
        "edited_at",
        "deleted_at",
    )
    readonly_fields = fields
    inlines = [CommentRevisionInline]
    actions = ["remove_comments", "restore_comments"]

    def get_queryset(self, request):
        # Deleted comments too: moderators may need them.
        return Comment.all_objects.select_related("author", "post", "video")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.startswith("@") and len(term) > 1:
            return queryset.filter(author__handle__iexact=term[1:]), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="Text")
    def excerpt(self, comment):
        return comment.text[:80]

    @admin.display(description="On")
    def target(self, comment):
        """A link to the post or video in the admin, named by its text or title."""
        if comment.post_id:
            url = reverse("admin:content_post_change", args=[comment.post_id])
            label = f"Post: {(comment.post.text or '(images)')[:40]}"
        else:
            url = reverse("admin:content_video_change", args=[comment.video_id])
            label = f"Video: {comment.video.title[:40]}"
        return format_html('<a href="{}">{}</a>', url, label)

    def moderate_one(self, comment, *, status: str, reason: str, by) -> None:
        services.comment_moderate(comment=comment, status=status, reason=reason, by=by)

    @admin.action(description="Remove the selected comments…", permissions=["moderate"])
    def remove_comments(self, request, queryset):
        return self.moderate(
            request, queryset, status="removed", title="Remove comments",
            description="Removed comments show as removed to everyone and leave the comment counts.",
        )  # fmt: skip

    @admin.action(description="Restore the selected comments…", permissions=["moderate"])
    def restore_comments(self, request, queryset):
        return self.moderate(
            request, queryset, status="visible", title="Restore comments",
            description="The comments become visible again and count again.",
        )  # fmt: skip
