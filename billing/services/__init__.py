"""Billing's writes. Other apps call these (and ``billing.selectors``), nothing else of billing.

- ``ledger``: accounts, posting balanced entries, reversing them (``entry_post``, ``entry_reverse``).
- ``payments``: ``payment_create`` and the status machine that follows the PaymentIntent.
- ``purposes``: the registry of payment purposes; the app that owns one registers its handler.
- ``customers``: Stripe customers and saved cards.
- ``refunds``, ``disputes``: refunds and chargebacks, each posting its entries.
- ``webhooks``: what the dj-stripe receivers call; retries of failed deliveries.
- ``reconcile``: the ledger against Stripe's balance transactions; balances against lines.
"""
