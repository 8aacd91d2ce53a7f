"""Payouts in the admin (finance role, second factor): runs with totals, payouts with two-person
approval (check, then someone else approves), hold and release with a reason, Connect accounts,
tax profiles, and a creator's balances by account with their entries. Imported by billing.admin."""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import admin
from django.db.models import Sum
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from billing import chart
from billing.models import ConnectAccount, LedgerAccount, Payout, PayoutRun, TaxProfile
from billing.money import format_amount
from billing.services import payouts as payout_services
from core.admin_actions import ReadOnlyAdmin, ReasonForm, run_with_reason


class NoteForm(forms.Form):
    """Checking and approving need no reason; a note is kept when given."""

    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), max_length=2000)


def _creator_balances_html(user_id) -> str:
    names = [chart.creator(user_id, bucket) for bucket in ("pending", "available", "held")]
    accounts = LedgerAccount.objects.filter(name__in=names).order_by("name", "currency")
    if not accounts:
        return "—"
    return format_html(
        "<table><tr><th>account</th><th>balance (credit, negative: owed to the creator)</th></tr>{}</table>",
        format_html_join(
            "",
            "<tr><td><a href='{}'>{}</a></td><td style='text-align:right'>{}</td></tr>",
            (
                (
                    reverse("admin:billing_ledgeraccount_change", args=[a.pk]),
                    a.name,
                    format_amount(a.balance, a.currency),
                )
                for a in accounts
            ),
        ),
    )


@admin.register(PayoutRun)
class PayoutRunAdmin(ReadOnlyAdmin):
    list_display = ["period_start", "period_end", "prepared_count", "totals", "paid_totals", "created_at"]
    ordering = ["-period_start"]
    fields = ["period_start", "period_end", "prepared_count", "totals", "paid_totals", "by_status", "skipped"]
    readonly_fields = fields

    def _sum(self, run: PayoutRun, **filters) -> str:
        rows = run.payouts.filter(**filters).values("currency").annotate(total=Sum("amount")).order_by("currency")
        return ", ".join(format_amount(r["total"], r["currency"]) for r in rows) or "—"

    @admin.display(description="prepared, in all")
    def totals(self, run: PayoutRun) -> str:
        return self._sum(run)

    @admin.display(description="paid")
    def paid_totals(self, run: PayoutRun) -> str:
        return self._sum(run, status=Payout.Status.PAID)

    @admin.display(description="by status")
    def by_status(self, run: PayoutRun) -> str:
        counts: dict[str, int] = defaultdict(int)
        for status in run.payouts.values_list("status", flat=True):
            counts[status] += 1
        url = reverse("admin:billing_payout_changelist") + f"?run__id__exact={run.pk}"
        return format_html("<a href='{}'>{}</a>", url, ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "—")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["creator", "period_start", "period_end", "amount_display", "withholding_display", "status",
                    "checked_by", "approved_by", "paid_at"]  # fmt: skip
    list_filter = ["status", "currency", "run", "held_by_moderation"]
    search_fields = ["=id", "creator__email", "=stripe_transfer_id", "=stripe_account_id"]
    list_select_related = ["creator", "checked_by", "approved_by"]
    ordering = ["-period_start", "-created_at"]
    actions = ["mark_checked", "approve", "hold", "release"]
    fields = ["creator", "run", "period_start", "period_end", "currency", "amount_display", "withholding_display",
              "net_display", "status", "checked_by", "checked_at", "approved_by", "approved_at", "stripe_account_id",
              "stripe_transfer_id", "sent_at", "paid_at", "failure_code", "failure_message", "hold_reason",
              "held_by_moderation", "notes", "creator_balances", "ledger_entries"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="amount")
    def amount_display(self, payout: Payout) -> str:
        return format_amount(payout.amount, payout.currency)

    @admin.display(description="withheld")
    def withholding_display(self, payout: Payout) -> str:
        return format_amount(payout.withholding, payout.currency)

    @admin.display(description="net (the transfer)")
    def net_display(self, payout: Payout) -> str:
        return format_amount(payout.net, payout.currency)

    @admin.display(description="creator's balances")
    def creator_balances(self, payout: Payout) -> str:
        return _creator_balances_html(payout.creator_id)

    @admin.display(description="ledger entries")
    def ledger_entries(self, payout: Payout) -> str:
        from billing.admin import _entries_html
        from billing.models import JournalEntry

        keys = [f"payout:{payout.pk}:approved", f"payout:{payout.pk}:failed",
                f"payout:{payout.pk}:withholding-returned"]  # fmt: skip
        entries = JournalEntry.objects.filter(idempotency_key__in=keys)
        if payout.stripe_transfer_id:
            entries = entries | JournalEntry.objects.filter(source=payout.stripe_transfer_id)
            entries = entries | JournalEntry.objects.filter(idempotency_key__startswith="transfer-reversal:",
                                                             memo__contains=payout.stripe_transfer_id)  # fmt: skip
        return _entries_html(list(entries.order_by("created_at")))

    @admin.action(description="Check the selected payouts (first of two people)…", permissions=["approve"])
    def mark_checked(self, request, queryset):
        return run_with_reason(
            self, request, queryset, form_class=NoteForm, title="Check payouts", submit_label="Checked",
            description="You confirm the amounts and the creators. Someone else then approves them.",
            apply=lambda payout, data: payout_services.payout_check(payout=payout, by=request.user),
        )  # fmt: skip

    @admin.action(description="Approve the selected payouts and send their transfers…", permissions=["approve"])
    def approve(self, request, queryset):
        return run_with_reason(
            self, request, queryset, form_class=NoteForm, title="Approve payouts", submit_label="Approve and pay",
            description="The amounts leave the creators' available balances and Stripe transfers go out to their "
            "Connect accounts. You cannot approve a payout you checked.",
            apply=lambda payout, data: payout_services.payout_approve(payout=payout, by=request.user),
        )  # fmt: skip

    @admin.action(description="Hold the selected payouts…", permissions=["approve"])
    def hold(self, request, queryset):
        return run_with_reason(
            self, request, queryset, form_class=ReasonForm, title="Hold payouts", submit_label="Hold",
            description="Held payouts are not paid until released (then checked and approved again).",
            apply=lambda payout, data: payout_services.payout_hold(payout=payout, by=request.user,
                                                                   reason=data["reason"]),
        )  # fmt: skip

    @admin.action(description="Release the selected held payouts…", permissions=["approve"])
    def release(self, request, queryset):
        return run_with_reason(
            self, request, queryset, form_class=ReasonForm, title="Release payouts", submit_label="Release",
            description="Released payouts go back to prepared: two people check and approve them again.",
            apply=lambda payout, data: payout_services.payout_release(payout=payout, by=request.user,
                                                                      reason=data["reason"]),
        )  # fmt: skip

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("billing.approve_payout")


@admin.register(ConnectAccount)
class ConnectAccountAdmin(ReadOnlyAdmin):
    list_display = ["user", "stripe_account_id", "status", "payouts_enabled", "transfers_capability", "synced_at"]
    list_filter = ["status"]
    search_fields = ["=stripe_account_id", "user__email"]
    list_select_related = ["user"]
    fields = ["user", "stripe_account_id", "status", "country", "default_currency", "details_submitted",
              "payouts_enabled", "transfers_capability", "requirements_due", "disabled_reason", "synced_at",
              "creator_balances"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="creator's balances")
    def creator_balances(self, account: ConnectAccount) -> str:
        return _creator_balances_html(account.user_id)


@admin.register(TaxProfile)
class TaxProfileAdmin(admin.ModelAdmin):
    """Finance records whether the tax form was collected and sets the withholding rate."""

    list_display = ["user", "country", "form_status", "withholding_bps", "updated_by", "updated_at"]
    list_filter = ["form_status", "country"]
    search_fields = ["user__email"]
    list_select_related = ["user", "updated_by"]
    fields = ["user", "country", "form_status", "withholding_bps", "updated_by", "statement_links"]
    readonly_fields = ["user", "updated_by", "statement_links"]

    @admin.display(description="yearly statements (CSV)")
    def statement_links(self, profile: TaxProfile) -> str:
        from django.utils import timezone

        year = timezone.now().year
        return format_html_join(
            " · ", "<a href='{}'>{}</a>",
            ((reverse("admin:billing_taxprofile_statement", args=[profile.pk, y]), y) for y in (year, year - 1)),
        )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "<uuid:pk>/statement/<int:year>.csv",
                self.admin_site.admin_view(self.statement_view),
                name="billing_taxprofile_statement",
            ),
            *super().get_urls(),
        ]

    def statement_view(self, request, pk, year: int):
        from django.core.exceptions import PermissionDenied
        from django.http import HttpResponse
        from django.shortcuts import get_object_or_404

        from billing.selectors import creator_statement_csv

        if not request.user.has_perm("billing.view_taxprofile"):
            raise PermissionDenied
        profile = get_object_or_404(TaxProfile, pk=pk)
        response = HttpResponse(creator_statement_csv(user=profile.user, year=year), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="earnings-{profile.user_id}-{year}.csv"'
        return response
