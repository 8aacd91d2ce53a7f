"""Moderators' screens for stream chat: chat logs per stream, channel bans, the moderation log.

Thin: read-only lists; actions ask for a reason, then call ``streaming.services.chat``.
Filter one stream's chat log with ``?stream__id__exact=<id>`` (the stream's link in any row).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.text import Truncator

from accounts.models import User
from core.admin_actions import DeletedFilter as BaseDeletedFilter
from core.admin_actions import ReadOnlyAdmin, ReasonForm, run_with_reason
from core.errors import ApplicationError
from streaming.models import ChannelModerator, ChatBan, ChatModerationLog, ChatTimeout, StreamChat
from streaming.services import chat as services


class DeletedFilter(BaseDeletedFilter):
    labels = ("Deleted", "Visible")


@admin.register(StreamChat)
class StreamChatAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "stream", "sender", "kind", "text_excerpt", "deleted_at", "deleted_by")
    list_filter = ("kind", DeletedFilter, "stream__status")
    list_select_related = ("stream", "sender", "deleted_by")
    search_fields = ("text", "sender__handle", "stream__title")
    search_help_text = "Words of the message, the sender's handle or the stream's title."
    ordering = ("-id",)
    fields = (
        "id", "stream", "sender", "kind", "text", "mentions", "payload", "created_at",
        "deleted_at", "deleted_by", "deleted_reason",
    )  # fmt: skip
    readonly_fields = fields
    actions = ["delete_with_reason"]

    @admin.display(description="text")
    def text_excerpt(self, message):
        return Truncator(message.text).chars(80)

    def get_queryset(self, request):
        return StreamChat.all_objects.select_related("stream", "sender", "deleted_by")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("streaming.view_streamchat")

    @admin.action(description="Delete selected messages (with a reason)", permissions=["moderate"])
    def delete_with_reason(self, request, queryset):
        return run_with_reason(
            self, request, queryset.filter(deleted_at__isnull=True),
            form_class=ReasonForm, title="Delete chat messages",
            description="The messages disappear from every viewer's chat at once.",
            submit_label="Delete",
            apply=lambda message, data: services.chat_message_delete_by_staff(
                message=message, by=request.user, reason=data["reason"]
            ),
        )  # fmt: skip

    def has_moderate_permission(self, request):
        return request.user.has_perm("streaming.moderate_streams")


class ChatBanForm(forms.ModelForm):
    streamer_handle = forms.CharField(label="Streamer (handle)")
    user_handle = forms.CharField(label="User to ban (handle)")

    class Meta:
        model = ChatBan
        fields = ("reason",)

    def clean(self):
        data = super().clean()
        for field in ("streamer_handle", "user_handle"):
            handle = (data.get(field) or "").lstrip("@")
            user = User.objects.filter(handle__iexact=handle).first()
            if user is None:
                self.add_error(field, "No such user.")
            data[field.removesuffix("_handle")] = user
        if not data.get("reason"):
            self.add_error("reason", "Give a reason.")
        return data


@admin.register(ChatBan)
class ChatBanAdmin(admin.ModelAdmin):
    list_display = ("created_at", "streamer", "user", "reason", "created_by")
    list_select_related = ("streamer", "user", "created_by")
    search_fields = ("user__handle", "streamer__handle", "reason")
    ordering = ("-id",)
    actions = ["unban_with_reason"]
    form = ChatBanForm

    def get_fields(self, request, obj=None):
        return (
            ("streamer_handle", "user_handle", "reason")
            if obj is None
            else ("streamer", "user", "reason", "created_by", "created_at")
        )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("streamer", "user", "reason", "created_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            ban = services.chat_channel_ban_by_staff(
                streamer=data["streamer"], user=data["user"], by=request.user, reason=data["reason"]
            )
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            self._failed = True
            return
        obj.pk = ban.pk

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(self, "_failed", False):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def log_addition(self, request, obj, message):
        return None

    @admin.action(description="Unban selected users (with a reason)", permissions=["add"])
    def unban_with_reason(self, request, queryset):
        return run_with_reason(
            self, request, queryset, form_class=ReasonForm, title="Unban from chat",
            description="They can read and write this streamer's chat again.", submit_label="Unban",
            apply=lambda ban, data: services.chat_channel_unban_by_staff(
                ban=ban, by=request.user, reason=data["reason"]
            ),
        )  # fmt: skip


@admin.register(ChatModerationLog)
class ChatModerationLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "streamer", "stream", "actor", "action", "target_user", "reason")
    list_filter = ("action",)
    list_select_related = ("streamer", "stream", "actor", "target_user")
    search_fields = ("actor__handle", "target_user__handle", "streamer__handle", "reason")
    ordering = ("-id",)
    fields = ("created_at", "streamer", "stream", "actor", "action", "target_user", "message", "reason", "details")
    readonly_fields = fields


@admin.register(ChatTimeout)
class ChatTimeoutAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "streamer", "user", "until", "reason", "created_by")
    list_select_related = ("streamer", "user", "created_by")
    search_fields = ("user__handle", "streamer__handle")
    ordering = ("-id",)


@admin.register(ChannelModerator)
class ChannelModeratorAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "streamer", "moderator")
    list_select_related = ("streamer", "moderator")
    search_fields = ("streamer__handle", "moderator__handle")
    ordering = ("-id",)
