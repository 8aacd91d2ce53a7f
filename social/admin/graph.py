"""Moderators look up who follows and blocks whom, for an investigation: read-only screens.

Search by handle (``ana`` finds rows where either side's handle contains it; ``@ana`` exactly
ana on either side). Nothing can be added, changed or deleted here: the graph changes only
through the users' own actions (social.services).
"""

from django.contrib import admin
from django.db.models import Q

from core.admin_actions import ReadOnlyAdmin
from social.models import Block, Follow


class _ReadOnlyGraphAdmin(ReadOnlyAdmin):
    sides: tuple[str, str] = ("", "")
    list_per_page = 50
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        a, b = self.sides
        if term.startswith("@") and len(term) > 1:
            handle = term[1:]
            return queryset.filter(Q(**{f"{a}__handle__iexact": handle}) | Q(**{f"{b}__handle__iexact": handle})), False
        return queryset.filter(Q(**{f"{a}__handle__icontains": term}) | Q(**{f"{b}__handle__icontains": term})), False


@admin.register(Follow)
class FollowAdmin(_ReadOnlyGraphAdmin):
    sides = ("follower", "followee")
    list_display = ("follower", "followee", "created_at")
    list_select_related = ("follower", "followee")
    search_fields = ("follower__handle", "followee__handle")
    search_help_text = "A handle on either side; @handle for exactly that user."
    fields = ("follower", "followee", "created_at")
    readonly_fields = fields


@admin.register(Block)
class BlockAdmin(_ReadOnlyGraphAdmin):
    sides = ("blocker", "blocked")
    list_display = ("blocker", "blocked", "created_at")
    list_select_related = ("blocker", "blocked")
    search_fields = ("blocker__handle", "blocked__handle")
    search_help_text = "A handle on either side; @handle for exactly that user."
    fields = ("blocker", "blocked", "created_at")
    readonly_fields = fields
