from billing.models.ledger import JournalEntry, JournalKey, JournalLine, LedgerAccount
from billing.models.payment import BillingCustomer, Dispute, Payment, Refund

__all__ = [
    "BillingCustomer",
    "Dispute",
    "JournalEntry",
    "JournalKey",
    "JournalLine",
    "LedgerAccount",
    "Payment",
    "Refund",
]
