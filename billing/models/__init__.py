from billing.models.ledger import JournalEntry, JournalKey, JournalLine, LedgerAccount
from billing.models.memberships import Membership, MembershipPrice, MembershipTier, MembershipTrial
from billing.models.payment import BillingCustomer, Dispute, Payment, Refund

__all__ = [
    "BillingCustomer",
    "Dispute",
    "JournalEntry",
    "JournalKey",
    "JournalLine",
    "LedgerAccount",
    "Membership",
    "MembershipPrice",
    "MembershipTier",
    "MembershipTrial",
    "Payment",
    "Refund",
]
