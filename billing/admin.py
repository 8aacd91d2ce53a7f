"""Finance in the admin (two-factor login, the finance role's permissions; docs/billing.md).

- Payments: filters and search; refund (full or part) with a reason; the payment's ledger entries.
- Disputes: the evidence goes to Stripe from here.
- Ledger: accounts with their running balances and recent lines; entries with their lines
  (read-only: an entry is corrected by a reversing entry, never edited). Entries and lines are
  partitioned rows with a composite key, which Django's admin cannot list as models, so they
  are shown through the account, the payment and the "Journal entries" page.
- Webhook log: dj-stripe's deliveries, with a retry action.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from djstripe.admin.admin import WebhookEventTriggerAdmin as DjstripeWebhookEventTriggerAdmin
from djstripe.models import WebhookEventTrigger

from billing.models import BillingCustomer, Dispute, JournalEntry, JournalLine, LedgerAccount, Payment, Refund
from billing.money import format_amount
from billing.services import disputes as dispute_services
from billing.services import refunds as refund_services
from billing.services.ledger import entry_lines
from billing.services.webhooks import webhook_events_retry
from core.admin_actions import ReadOnlyAdmin, ReasonForm, run_with_reason


def _lines_table(lines) -> str:
    return format_html(
        "<table><tr><th>account</th><th>amount</th></tr>{}</table>",
        format_html_join(
            "",
            "<tr><td>{}</td><td style='text-align:right'>{}</td></tr>",
            ((line.account.name, format_amount(line.amount, line.currency)) for line in lines),
        ),
    )


def _entries_html(entries) -> str:
    if not entries:
        return "—"
    return format_html_join(
        "",
        "<div style='margin-bottom:1em'><strong>{}</strong> · {} · <code>{}</code>{}</div>",
        (
            (entry.get_kind_display(), entry.created_at, entry.idempotency_key, _lines_table(entry_lines(entry=entry)))
            for entry in entries
        ),
    )


class RefundForm(ReasonForm):
    amount = forms.IntegerField(
        required=False, min_value=1, help_text="Minor units (cents; yen for JPY). Empty: all that is left."
    )


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ["created_at", "amount", "status", "reason", "requested_by", "stripe_refund_id"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "purpose", "amount_display", "status", "payer", "beneficiary"]
    list_filter = ["status", "purpose", "currency", "created_at"]
    search_fields = [
        "=id",
        "=stripe_payment_intent_id",
        "=stripe_charge_id",
        "payer__email",
        "beneficiary__email",
        "purpose_ref",
    ]
    list_select_related = ["payer", "beneficiary"]
    ordering = ["-id"]
    inlines = [RefundInline]
    actions = ["refund"]
    readonly_fields = ["ledger_entries"]

    @admin.display(description="amount")
    def amount_display(self, payment: Payment) -> str:
        return format_amount(payment.amount, payment.currency)

    @admin.display(description="ledger entries")
    def ledger_entries(self, payment: Payment) -> str:
        return _entries_html(list(JournalEntry.objects.filter(payment_id=payment.pk).order_by("created_at")))

    @admin.action(description="Refund the selected payments…", permissions=["refund"])
    def refund(self, request, queryset: QuerySet[Payment]):
        return run_with_reason(
            self, request, queryset, form_class=RefundForm, title="Refund payments", submit_label="Refund",
            description="Stripe returns the money to the card; the creator's share is taken back (pending first). "
            "An amount applies to each selected payment; leave it empty to refund all that is left.",
            apply=lambda payment, data: refund_services.refund_create(
                payment=payment, amount=data.get("amount"), reason=data["reason"], by=request.user
            ),
        )  # fmt: skip

    def has_refund_permission(self, request) -> bool:
        return request.user.has_perm("billing.refund_payment")


class EvidenceForm(ReasonForm):
    """The reason is kept as the note; the evidence fields go to Stripe."""

    product_description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    customer_name = forms.CharField(required=False)
    customer_email_address = forms.EmailField(required=False)
    service_date = forms.CharField(required=False, help_text="When the fan got what they paid for.")
    access_activity_log = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    uncategorized_text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = [
        "stripe_dispute_id",
        "created_at",
        "payment",
        "amount_display",
        "reason",
        "status",
        "evidence_due_by",
        "evidence_submitted_at",
    ]
    list_filter = ["status", "reason"]
    search_fields = ["=stripe_dispute_id", "=payment__id", "=payment__stripe_payment_intent_id"]
    list_select_related = ["payment"]
    ordering = ["-created_at"]
    actions = ["submit_evidence"]

    @admin.display(description="amount")
    def amount_display(self, dispute: Dispute) -> str:
        return format_amount(dispute.amount, dispute.currency)

    @admin.action(description="Submit evidence for the selected disputes…", permissions=["evidence"])
    def submit_evidence(self, request, queryset):
        return run_with_reason(
            self, request, queryset, form_class=EvidenceForm, title="Submit dispute evidence",
            submit_label="Submit to Stripe",
            description="The evidence is sent to Stripe and submitted: the dispute goes under review "
            "and cannot be changed.",
            apply=lambda dispute, data: dispute_services.dispute_evidence_submit(
                dispute=dispute, evidence={k: v for k, v in data.items() if k != "reason"}, by=request.user
            ),
        )  # fmt: skip

    def has_evidence_permission(self, request) -> bool:
        return request.user.has_perm("billing.submit_dispute_evidence")


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "currency", "balance_display", "updated_at"]
    list_filter = ["currency"]
    search_fields = ["name"]
    ordering = ["name", "currency"]
    fields = ["name", "currency", "balance_display", "recent_lines"]
    readonly_fields = fields

    @admin.display(description="balance (debit +)")
    def balance_display(self, account: LedgerAccount) -> str:
        return format_amount(account.balance, account.currency)

    @admin.display(description="latest 100 lines")
    def recent_lines(self, account: LedgerAccount) -> str:
        lines = list(JournalLine.objects.filter(account=account).order_by("-created_at")[:100])
        entries = {e.id: e for e in JournalEntry.objects.filter(id__in=[line.entry_id for line in lines])}
        return format_html(
            "<table><tr><th>when</th><th>entry</th><th>amount</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td><code>{}</code></td><td style='text-align:right'>{}</td></tr>",
                (
                    (
                        line.created_at,
                        entries[line.entry_id].idempotency_key if line.entry_id in entries else line.entry_id,
                        format_amount(line.amount, line.currency),
                    )
                    for line in lines
                ),
            ),
        )

    def get_urls(self):
        return [
            path("entries/", self.admin_site.admin_view(self.entries_view), name="billing_journal_entries"),
            *super().get_urls(),
        ]

    def entries_view(self, request):
        """The latest journal entries with their lines (``?q=`` matches the key or the source)."""
        if not request.user.has_perm("billing.view_journalentry"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        entries = JournalEntry.objects.order_by("-created_at")
        query = request.GET.get("q", "").strip()
        if query:
            entries = entries.filter(idempotency_key__icontains=query) | entries.filter(source=query)
        kind = request.GET.get("kind", "")
        if kind:
            entries = entries.filter(kind=kind)
        context = {
            **self.admin_site.each_context(request),
            "title": "Journal entries",
            "entries_html": _entries_html(list(entries[:100])),
            "query": query,
            "kinds": JournalEntry.Kind.choices,
            "kind": kind,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/journal_entries.html", context)


@admin.register(BillingCustomer)
class BillingCustomerAdmin(ReadOnlyAdmin):
    list_display = ["stripe_customer_id", "user", "default_payment_method_id", "created_at"]
    search_fields = ["=stripe_customer_id", "user__email"]
    list_select_related = ["user"]


admin.site.unregister(WebhookEventTrigger)


@admin.register(WebhookEventTrigger)
class WebhookEventTriggerAdmin(DjstripeWebhookEventTriggerAdmin):
    """dj-stripe's webhook log, with a retry that goes through billing's service."""

    actions = ["retry"]

    @admin.action(description="Process the selected deliveries again")
    def retry(self, request, queryset):
        results = webhook_events_retry(trigger_ids=list(queryset.values_list("id", flat=True)))
        done = sum(1 for result in results if result.processed)
        self.message_user(
            request,
            f"{done} processed, {len(results) - done} failed again.",
            messages.SUCCESS if done == len(results) else messages.WARNING,
        )


from billing import admin_payouts  # noqa: E402, F401 (payouts, runs, Connect accounts, tax profiles)
