from billing.models.ledger import JournalEntry, JournalKey, JournalLine, LedgerAccount
from billing.models.memberships import Membership, MembershipPrice, MembershipTier, MembershipTrial
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
    "Membership",
    "MembershipPrice",
    "MembershipTier",
    "MembershipTrial",
    "Payment",
    "Payout",
    "PayoutRun",
    "Refund",
    "TaxProfile",
]
