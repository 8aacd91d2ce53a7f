"""The moderation queue in the admin: open cases by priority, each case's page with its frozen
evidence, the account's history, notes, assignment and the actions; bulk actions from the list;
the moderation log; rules and presets; the monthly figures page. Every change goes through
``moderation.services``."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.admin_actions import ReadOnlyAdmin
from core.errors import ApplicationError
from moderation import selectors
from moderation.forms import ActionForm, NoteForm, ReverseForm
from moderation.models import Action, ActionPreset, Case, Category, Decision, ModerationLogEntry, Report, Rule
from moderation.services import actions, cases
from moderation.services.evidence import evidence_media

ADMIN = ModerationLogEntry.Source.ADMIN
# The figures' bar charts: labels short enough for an axis on a phone (the tables keep the full ones).
SHORT_LABELS = {
    Category.SEXUAL_UNLABELED.label: "Sexual, unlabelled",
    Category.INTELLECTUAL_PROPERTY.label: "IP",
    Category.IMPERSONATION.label: "Impersonation",
    Action.REMOVE.label: "Remove",
    Action.WARN.label: "Warn",
    Action.RESTRICT.label: "Restrict",
}


class CaseStatusFilter(admin.SimpleListFilter):
    """Open cases unless asked otherwise: the queue."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*Case.Status.choices, ("all", "All")]

    def choices(self, changelist):
        value = self.value() or Case.Status.OPEN
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or Case.Status.OPEN
        return queryset if value == "all" else queryset.filter(status=value)


class AssignedFilter(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "To me"), ("none", "Nobody")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


def _bulk(action: str, description: str):
    def run(modeladmin, request, queryset):
        return modeladmin.bulk_act(request, queryset, action=action, title=description)

    run.__name__ = f"bulk_{action}"
    return admin.action(description=f"{description} (selected cases)…", permissions=["handle"])(run)


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["flag", "priority", "target_link", "category", "reporters", "reach", "assignee", "opened",
                    "status"]  # fmt: skip
    list_display_links = ["target_link"]
    list_filter = [CaseStatusFilter, AssignedFilter, "urgent", "category", "target_type"]
    search_fields = ["target_label", "target_id", "target_user__handle", "target_user__email", "=id"]
    list_select_related = ["target_user", "assigned_to"]
    ordering = ["-priority", "created_at"]
    actions = [
        "assign_to_me",
        *[_bulk(action, label) for action, label in Action.choices],
    ]
    change_form_template = "admin/moderation/case/case_page.html"
    change_list_template = "admin/moderation/case/change_list.html"

    class Media:
        js = ["vendor/hls/hls.min.js", "content/admin_player.js", "moderation/admin_case.js"]
        css = {"all": ["moderation/admin_case.css"]}

    @admin.display(description="", empty_value="")
    def flag(self, case: Case):
        return format_html('<strong class="mod-urgent">{}</strong>', "URGENT") if case.urgent else ""

    @admin.display(description="target", ordering="target_label")
    def target_link(self, case: Case):
        label = case.target_label or case.target_id
        label = label if len(label) <= 90 else label[:89] + "…"
        return format_html('<span class="mod-type">{}</span> {}', case.get_target_type_display(), label)

    @admin.display(description="reporters", ordering="reporters_count")
    def reporters(self, case: Case):
        return case.reporters_count

    @admin.display(description="assigned to", ordering="assigned_to__handle", empty_value="nobody")
    def assignee(self, case: Case):
        return f"@{case.assigned_to.handle}" if case.assigned_to_id else None

    @admin.display(description="opened", ordering="created_at")
    def opened(self, case: Case):
        return timezone.localtime(case.created_at).strftime("%-d %b %Y, %H:%M")

    def has_handle_permission(self, request):
        return request.user.has_perm("moderation.handle_cases")

    def get_urls(self):
        extra = [
            path("stats/", self.admin_site.admin_view(self.stats_view), name="moderation_case_stats"),
            path(
                "decision/<uuid:decision_id>/reverse/",
                self.admin_site.admin_view(self.reverse_view),
                name="moderation_decision_reverse",
            ),
        ]
        return extra + super().get_urls()

    # -- the case page -----------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = get_object_or_404(Case.objects.select_related("target_user", "assigned_to"), pk=object_id)
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        action_form = ActionForm(prefix="act")
        note_form = NoteForm(prefix="note")
        if request.method == "POST":
            if not self.has_handle_permission(request):
                raise PermissionDenied
            op = request.POST.get("op")
            try:
                if op == "assign_me":
                    cases.case_assign(case=case, by=request.user, assignee=request.user)
                    self.message_user(request, "Assigned to you.", messages.SUCCESS)
                    return HttpResponseRedirect(request.path)
                if op == "unassign":
                    cases.case_assign(case=case, by=request.user, assignee=None)
                    return HttpResponseRedirect(request.path)
                if op == "note":
                    note_form = NoteForm(request.POST, prefix="note")
                    if note_form.is_valid():
                        cases.case_note_add(case=case, by=request.user, text=note_form.cleaned_data["text"])
                        return HttpResponseRedirect(request.path)
                if op == "act":
                    action_form = ActionForm(request.POST, prefix="act")
                    if action_form.is_valid():
                        data = action_form.cleaned_data
                        decision = actions.case_act(
                            case=case, by=request.user, action=data["action"], reason=data["reason"],
                            rule=data.get("rule"), days=data.get("days"), hide_chat=data["hide_chat"],
                            notify_user=data["notify_user"], source=ADMIN,
                        )  # fmt: skip
                        self.message_user(request, f"{decision.get_action_display()}: done.", messages.SUCCESS)
                        return HttpResponseRedirect(reverse("admin:moderation_case_changelist"))
            except ApplicationError as error:
                self.message_user(request, f"{error.message} ({error.code})", messages.ERROR)
        case.refresh_from_db()
        reports = selectors.case_reports(case=case)
        for report in reports:
            try:
                report.captured = dt.datetime.fromisoformat(report.evidence.get("captured_at") or "")
            except ValueError:
                report.captured = None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Case: {case}",
            "opts": self.model._meta,
            "original": case,
            "case": case,
            "reports": [(report, evidence_media(evidence=report.evidence)) for report in reports],
            "notes": list(case.notes.select_related("author")),
            "decisions": selectors.case_decisions(case=case),
            "history": selectors.target_history(case=case),
            "action_form": action_form,
            "note_form": note_form,
            "presets": list(ActionPreset.objects.select_related("rule")),
            "can_handle": self.has_handle_permission(request),
            "media": self.media,
            "has_view_permission": True,
        }
        return TemplateResponse(request, self.change_form_template, context)

    def reverse_view(self, request, decision_id):
        decision = get_object_or_404(Decision.objects.select_related("case"), pk=decision_id)
        if not self.has_handle_permission(request):
            raise PermissionDenied
        form = ReverseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                actions.decision_reverse(decision=decision, by=request.user, reason=form.cleaned_data["reason"])
                self.message_user(request, "Reversed; the user is told.", messages.SUCCESS)
            except ApplicationError as error:
                self.message_user(request, f"{error.message} ({error.code})", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:moderation_case_change", args=[decision.case_id]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reverse: {decision}",
            "description": "The action is undone (content restored, the account's action lifted) and the user told.",
            "objects": [decision],
            "form": form,
            "action": "",
            "submit_label": "Reverse",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/core/reason_form.html", context)

    # -- bulk --------------------------------------------------------------------------------

    @admin.action(description="Assign the selected cases to me", permissions=["handle"])
    def assign_to_me(self, request, queryset):
        done = 0
        for case in queryset:
            try:
                cases.case_assign(case=case, by=request.user, assignee=request.user)
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"{case}: {error.message}", messages.ERROR)
        self.message_user(request, f"{done} assigned to you.", messages.SUCCESS)

    def bulk_act(self, request, queryset, *, action: str, title: str):
        form = ActionForm(request.POST if "apply" in request.POST else None, prefix="act", fixed_action=action)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            done = 0
            for case in queryset:
                try:
                    actions.case_act(
                        case=case, by=request.user, action=action, reason=data["reason"], rule=data.get("rule"),
                        days=data.get("days"), hide_chat=data["hide_chat"], notify_user=data["notify_user"],
                        source=ADMIN,
                    )  # fmt: skip
                    done += 1
                except ApplicationError as error:
                    self.message_user(request, f"{case}: {error.message} ({error.code})", messages.ERROR)
            if done:
                self.message_user(request, f"{title}: {done} done.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "description": "The same action, rule and reason for every selected case.",
            "objects": list(queryset),
            "form": form,
            "action": request.POST.get("action", ""),
            "submit_label": title,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/core/reason_form.html", context)

    # -- figures -----------------------------------------------------------------------------

    def stats_view(self, request):
        if not request.user.has_perm("moderation.view_moderation_stats"):
            raise PermissionDenied
        value = request.GET.get("month", "")
        try:
            month = dt.date.fromisoformat(f"{value}-01") if value else timezone.now().date().replace(day=1)
        except ValueError:
            month = timezone.now().date().replace(day=1)
        figures = selectors.monthly_figures(month=month)
        previous = (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        from core.dashboard.charts import Series, bars

        categories = [(label, figures.reports_by_category.get(value, 0)) for value, label in Category.choices]
        actions_rows = [(label, figures.actions_by_type.get(value, 0)) for value, label in Action.choices]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Trust and safety figures, {month:%B %Y}",
            "reports_chart": bars(key="mod-reports", title="Reports by category",
                                  labels=[SHORT_LABELS.get(label, label) for label, _ in categories],
                                  series=[Series("Reports", [n for _, n in categories])],
                                  empty="No reports this month."),
            "actions_chart": bars(key="mod-actions", title="Actions by type",
                                  labels=[SHORT_LABELS.get(label, label) for label, _ in actions_rows],
                                  series=[Series("Actions", [n for _, n in actions_rows])],
                                  empty="No actions this month."),
            "opts": self.model._meta,
            "figures": figures,
            "categories": categories,
            "actions_rows": actions_rows,
            "median_hours": None if figures.median_seconds_to_first_action is None
            else round(figures.median_seconds_to_first_action / 3600, 1),
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}",
        }  # fmt: skip
        return TemplateResponse(request, "admin/moderation/stats.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "pending": selectors.pending_work_counts()}
        return super().changelist_view(request, extra_context)


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "category", "target_type", "target_id", "reporter", "target_user", "status", "case"]
    list_filter = ["status", "category", "target_type"]
    search_fields = ["target_id", "reporter__handle", "target_user__handle", "=id"]
    list_select_related = ["reporter", "target_user", "case"]
    exclude = ["evidence"]
    readonly_fields = ["evidence_json"]

    @admin.display(description="evidence")
    def evidence_json(self, report):
        import json

        return format_html("<pre>{}</pre>", json.dumps(report.evidence, indent=2, ensure_ascii=False))


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "target_type", "target_user", "rule", "by", "reversed_at", "reverse_link"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "target_user__handle", "reason"]
    list_select_related = ["target_user", "rule", "by"]

    @admin.display(description="")
    def reverse_link(self, decision):
        if decision.reversed_at or decision.action == Action.DISMISS:
            return ""
        return format_html(
            '<a href="{}">Reverse…</a>', reverse("admin:moderation_decision_reverse", args=[decision.pk])
        )


class ModeratorFilter(admin.SimpleListFilter):
    title = "moderator"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        from accounts.models import User

        return [(str(user.pk), f"@{user.handle}") for user in User.objects.filter(is_staff=True).order_by("handle")]

    def queryset(self, request, queryset):
        return queryset.filter(actor_id=self.value()) if self.value() else queryset


class LogActionFilter(admin.SimpleListFilter):
    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        names = ModerationLogEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        return [(name, name) for name in names]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(ModerationLogEntry)
class ModerationLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "source", "action", "target_type", "target_id", "target_user", "rule",
                    "reason"]  # fmt: skip
    list_filter = [ModeratorFilter, LogActionFilter, "source", "target_type"]
    search_fields = ["target_id", "target_user__handle", "target_user__email", "reason", "=case_id"]
    list_select_related = ["actor", "target_user"]


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["position", "title", "active"]
    list_editable = ["active"]
    list_display_links = ["title"]

    def has_delete_permission(self, request, obj=None):
        return False  # retire a rule (active off): reports and decisions keep citing it


@admin.register(ActionPreset)
class ActionPresetAdmin(admin.ModelAdmin):
    list_display = ["label", "action", "rule", "days"]


# Bulk moderation actions in the content lists (posts, comments, videos, streams, chat, users):
# moderation is the last local app, so their admin classes are registered by now.
from moderation.admin_bulk import install as _install_bulk_actions  # noqa: E402

_install_bulk_actions()
