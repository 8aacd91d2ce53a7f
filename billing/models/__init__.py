from billing.models.ledger import JournalEntry, JournalKey, JournalLine, LedgerAccount
from billing.models.payment import BillingCustomer, Dispute, Payment, Refund
from billing.models.payouts import ConnectAccount, Payout, PayoutRun, TaxProfile

__all__ = [
    "BillingCustomer",
    "ConnectAccount",
    "Dispute",
    "JournalEntry",
    "JournalKey",
    "JournalLine",
    "LedgerAccount",
    "Payment",
    "Payout",
    "PayoutRun",
    "Refund",
    "TaxProfile",
]
