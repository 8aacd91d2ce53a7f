"""Moderators' screens for posts and hashtags. Thin: actions ask for a reason, then call a service.

Find posts by status, visibility and kind (filters), by hashtag (search ``#tag``), by author
(search ``@handle``) or by words of their text. A post's page shows its edit history and images.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.text import Truncator

from content.models import Hashtag, Post, PostImage, PostRevision
from content.services import posts as services
from content.services.post_text import hashtag_normalize
from core.admin_actions import ModerationAdmin
from core.admin_inlines import ReadOnlyInline
from core.errors import ApplicationError


class PostRevisionInline(ReadOnlyInline):
    model = PostRevision
    verbose_name_plural = "Edit history (every version, oldest first)"
    fields = ("number", "created_at", "text", "content_warning", "image_list", "edited_by")
    readonly_fields = fields
    ordering = ("number",)

    @admin.display(description="Images")
    def image_list(self, revision):
        return format_html_join(", ", "{} ({})", ((i["full"], i["alt_text"] or "no alt text") for i in revision.images))


class PostImageInline(ReadOnlyInline):
    model = PostImage
    fields = ("position", "full", "feed", "width", "height", "alt_text", "detached_at")
    readonly_fields = fields


class HashtagFilter(admin.SimpleListFilter):
    title = "hashtag (most used)"
    parameter_name = "hashtag"

    def lookups(self, request, model_admin):
        return [(tag.name, f"#{tag.name}") for tag in Hashtag.objects.order_by("-usage_count", "name")[:20]]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(hashtags__contains=[hashtag_normalize(self.value())])
        return queryset


@admin.register(Post)
class PostAdmin(ModerationAdmin):
    moderate_permission = "content.moderate_posts"
    list_display = (
        "created_at",
        "author",
        "kind",
        "excerpt",
        "visibility",
        "moderation_status",
        "reposts_count",
        "quotes_count",
        "deleted_at",
    )
    list_filter = ("moderation_status", "visibility", "kind", HashtagFilter, "sensitive")
    list_select_related = ("author",)
    search_fields = ("text",)
    search_help_text = "Words of the text, #hashtag, or @handle of the author."
    ordering = ("-id",)
    fields = (
        "id",
        "author",
        "kind",
        "original",
        "text",
        "visibility",
        "content_warning",
        "sensitive",
        "hashtags",
        "mentions",
        "moderation_status",
        "moderation_reason",
        "moderated_by",
        "moderated_at",
        "likes_count",
        "comments_count",
        "reposts_count",
        "quotes_count",
        "created_at",
        "edited_at",
        "deleted_at",
    )
    readonly_fields = fields
    inlines = [PostRevisionInline, PostImageInline]
    actions = ["limit_posts", "remove_posts", "restore_posts"]

    def get_queryset(self, request):
        return Post.all_objects.select_related("author")  # deleted posts too: moderators may need them

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.startswith("#") and len(term) > 1:
            return queryset.filter(hashtags__contains=[hashtag_normalize(term[1:])]), False
        if term.startswith("@") and len(term) > 1:
            return queryset.filter(author__handle__iexact=term[1:]), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="Text")
    def excerpt(self, post):
        return Truncator(post.text).chars(60)

    def moderate_one(self, post, *, status: str, reason: str, by) -> None:
        services.post_moderate(post=post, status=status, reason=reason, by=by)

    @admin.action(description="Limit the selected posts (out of search)…", permissions=["moderate"])
    def limit_posts(self, request, queryset):
        return self.moderate(
            request, queryset, status="limited", title="Limit posts",
            description="Limited posts stay readable but are left out of search and hashtag lookups.",
        )  # fmt: skip

    @admin.action(description="Remove the selected posts…", permissions=["moderate"])
    def remove_posts(self, request, queryset):
        return self.moderate(
            request, queryset, status="removed", title="Remove posts",
            description="Removed posts are hidden from all but their authors; reposts and quotes show them as gone.",
        )  # fmt: skip

    @admin.action(description="Restore the selected posts…", permissions=["moderate"])
    def restore_posts(self, request, queryset):
        return self.moderate(
            request, queryset, status="visible", title="Restore posts",
            description="The posts become visible again to whoever their visibility allows.",
        )  # fmt: skip


@admin.register(Hashtag)
class HashtagAdmin(ModerationAdmin):
    moderate_permission = "content.moderate_posts"
    list_display = ("name", "usage_count", "blocked_from_trending", "created_at")
    list_filter = ("blocked_from_trending",)
    search_fields = ("name",)
    ordering = ("-usage_count", "name")
    fields = ("name", "usage_count", "blocked_from_trending", "created_at")
    readonly_fields = fields
    actions = ["block_from_trending", "unblock_from_trending"]

    def _set_blocked(self, request, queryset, *, blocked: bool):
        done = 0
        for hashtag in queryset:
            try:
                services.hashtag_set_blocked(hashtag=hashtag, blocked=blocked, by=request.user)
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"#{hashtag.name}: {error.message}", messages.ERROR)
        verb = "Blocked from trending" if blocked else "Unblocked"
        self.message_user(request, f"{verb}: {done}.", messages.SUCCESS)

    @admin.action(description="Block the selected hashtags from trending", permissions=["moderate"])
    def block_from_trending(self, request, queryset):
        self._set_blocked(request, queryset, blocked=True)

    @admin.action(description="Unblock the selected hashtags", permissions=["moderate"])
    def unblock_from_trending(self, request, queryset):
        self._set_blocked(request, queryset, blocked=False)
