"""Stripe Connect in the local peer: Express accounts, account links, transfers and their reversals.

A mixin of :class:`billing.stripe_peer.server.Peer` (its routes are the ``CONNECT_ROUTES`` lines
in ``server.py``). Shapes are Stripe's (``fixtures3.json``: ``account``, ``account_link``,
``transfer``, ``transfer_reversal``; dj-stripe's ``account_express_*`` fixture). Events:
``account.updated``, ``transfer.created``, ``transfer.updated``, ``transfer.reversed``.

An Express account is in one of four states, as Stripe reports them through ``requirements``,
``capabilities`` and ``payouts_enabled``:

- ``details_needed``: just created, nothing submitted (``details_submitted`` false, requirements
  currently due, the ``transfers`` capability ``inactive``);
- ``pending_verification``: details submitted, Stripe verifying (``pending_verification`` listed,
  ``transfers`` ``pending``);
- ``enabled``: ``transfers`` ``active``, payouts enabled, nothing due;
- ``restricted``: details submitted but something is past due (``transfers`` ``inactive``,
  ``disabled_reason`` ``requirements.past_due``).

Helpers (not Stripe's API): ``GET /_peer/connect/onboard/<acct>`` is the onboarding page an
account link points to (a form; submitting it completes the details and redirects to the
link's ``return_url``); ``POST /_peer/accounts/<acct>/state`` (``state=`` one of the four) moves
an account and emits ``account.updated``; ``POST /_peer/transfers/<tr>/fail`` reverses a transfer
in full, as when the connected account's bank returns the money (``transfer.reversed``).

A transfer to an account whose ``transfers`` capability is not active is refused as Stripe does
(400, ``insufficient_capabilities_for_transfer``).
"""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from billing.stripe_peer import shapes

ACCOUNT_STATES = ("details_needed", "pending_verification", "enabled", "restricted")
_DUE_AT_START = [
    "business_profile.url",
    "external_account",
    "individual.dob.day",
    "individual.first_name",
    "individual.last_name",
    "tos_acceptance.date",
]


@dataclass
class Raw:
    """A non-JSON answer (the onboarding page, its redirect)."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def express_account(*, account_id: str, email: str | None, country: str, metadata: dict) -> dict[str, Any]:
    """A new Express account (dj-stripe's ``account_express`` fixture's fields), details needed."""
    account = {
        "id": account_id,
        "object": "account",
        "business_profile": {
            "mcc": None,
            "name": None,
            "support_address": None,
            "support_email": None,
            "support_phone": None,
            "support_url": None,
            "url": None,
        },
        "business_type": None,
        "capabilities": {"transfers": "inactive"},
        "charges_enabled": False,
        "controller": {"type": "application", "is_controller": True},
        "country": country,
        "created": shapes.now(),
        "default_currency": {"US": "usd", "GB": "gbp", "JP": "jpy", "CA": "cad", "AU": "aud"}.get(country, "eur"),
        "details_submitted": False,
        "email": email,
        "external_accounts": shapes.list_of([], f"/v1/accounts/{account_id}/external_accounts"),
        "future_requirements": _requirements(),
        "login_links": shapes.list_of([], f"/v1/accounts/{account_id}/login_links"),
        "metadata": metadata,
        "payouts_enabled": False,
        "requirements": _requirements(),
        "settings": {
            "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
            "card_payments": {
                "decline_on": {"avs_failure": False, "cvc_failure": False},
                "statement_descriptor_prefix": None,
            },
            "dashboard": {"display_name": None, "timezone": "Etc/UTC"},
            "payments": {
                "statement_descriptor": None,
                "statement_descriptor_kana": None,
                "statement_descriptor_kanji": None,
            },
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 2, "interval": "daily"},
                "statement_descriptor": None,
            },
        },
        "tos_acceptance": {"date": None},
        "type": "express",
    }
    set_account_state(account, "details_needed")
    return account


def _requirements() -> dict[str, Any]:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": None,
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }


def set_account_state(account: dict[str, Any], state: str) -> None:
    """Make ``account`` say ``state`` the way Stripe does (requirements, capabilities, flags)."""
    requirements = _requirements()
    if state == "details_needed":
        requirements.update(
            currently_due=list(_DUE_AT_START),
            eventually_due=list(_DUE_AT_START),
            past_due=list(_DUE_AT_START),
            disabled_reason="requirements.past_due",
        )
        account.update(details_submitted=False, charges_enabled=False, payouts_enabled=False)
        account["capabilities"]["transfers"] = "inactive"
        account["tos_acceptance"] = {"date": None}
    elif state == "pending_verification":
        requirements.update(
            pending_verification=["individual.verification.document"],
            disabled_reason="requirements.pending_verification",
        )
        account.update(details_submitted=True, charges_enabled=False, payouts_enabled=False)
        account["capabilities"]["transfers"] = "pending"
        account["tos_acceptance"] = {"date": account["tos_acceptance"].get("date") or shapes.now()}
    elif state == "enabled":
        account.update(details_submitted=True, charges_enabled=True, payouts_enabled=True)
        account["capabilities"]["transfers"] = "active"
        account["tos_acceptance"] = {"date": account["tos_acceptance"].get("date") or shapes.now()}
        if not account["external_accounts"]["data"]:
            account["external_accounts"]["data"] = [_bank_account(account)]
            account["external_accounts"]["total_count"] = 1
    elif state == "restricted":
        requirements.update(
            currently_due=["individual.verification.document"],
            eventually_due=["individual.verification.document"],
            past_due=["individual.verification.document"],
            disabled_reason="requirements.past_due",
            errors=[
                {
                    "code": "verification_document_failed_other",
                    "reason": "The document could not be verified.",
                    "requirement": "individual.verification.document",
                }
            ],
        )
        account.update(details_submitted=True, charges_enabled=False, payouts_enabled=False)
        account["capabilities"]["transfers"] = "inactive"
    else:
        raise ValueError(state)
    account["requirements"] = requirements


def _bank_account(account: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": shapes.new_id("ba"),
        "object": "bank_account",
        "account": account["id"],
        "account_holder_name": None,
        "account_holder_type": None,
        "available_payout_methods": ["standard"],
        "bank_name": "STRIPE TEST BANK",
        "country": account["country"],
        "currency": account["default_currency"],
        "default_for_currency": True,
        "fingerprint": shapes.new_id("fp")[3:19],
        "last4": "6789",
        "metadata": {},
        "routing_number": "110000000",
        "status": "new",
    }


def transfer(*, amount: int, currency: str, destination: str, description, metadata, group, txn_id) -> dict:
    transfer_id = shapes.new_id("tr")
    return {
        "id": transfer_id,
        "object": "transfer",
        "amount": amount,
        "amount_reversed": 0,
        "balance_transaction": txn_id,
        "created": shapes.now(),
        "currency": currency,
        "description": description,
        "destination": destination,
        "destination_payment": shapes.new_id("py"),
        "livemode": False,
        "metadata": metadata,
        "reversals": shapes.list_of([], f"/v1/transfers/{transfer_id}/reversals"),
        "reversed": False,
        "source_transaction": None,
        "source_type": "card",
        "transfer_group": group,
    }


def transfer_reversal(*, transfer_obj: dict[str, Any], amount: int, metadata: dict, txn_id: str) -> dict[str, Any]:
    return {
        "id": shapes.new_id("trr"),
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": txn_id,
        "created": shapes.now(),
        "currency": transfer_obj["currency"],
        "destination_payment_refund": shapes.new_id("pyr"),
        "metadata": metadata,
        "source_refund": None,
        "transfer": transfer_obj["id"],
    }


def account_state_of(account: dict[str, Any]) -> str:
    """The peer's name for an account's state (the same rule Fanfare applies)."""
    if account["capabilities"].get("transfers") == "active" and account["payouts_enabled"]:
        return "enabled"
    if not account["details_submitted"]:
        return "details_needed"
    if account["requirements"]["pending_verification"] or account["capabilities"].get("transfers") == "pending":
        return "pending_verification"
    return "restricted"


class ConnectMixin:
    """The Connect routes of the peer; ``self.state`` is the peer's :class:`PeerState`."""

    base_url = "http://127.0.0.1"

    # -- accounts -----------------------------------------------------------------------------
    def connect_account_create(self, params):
        from billing.stripe_peer.server import StripeError

        if params.get("type", "express") != "express" and not params.get("controller"):
            raise StripeError(400, "invalid_request_error", "The local peer makes Express accounts only.", param="type")
        account = express_account(
            account_id=shapes.new_id("acct")[:21],
            email=params.get("email"),
            country=str(params.get("country") or "US").upper(),
            metadata=self._metadata(params),
        )
        self.state.put(account)
        return account

    def connect_account_list(self, params):
        accounts = [obj for obj in self.state.of_kind("account") if obj.get("type") == "express"]
        return self.paginate(accounts, params, "/v1/accounts")

    def connect_account_update(self, params, id):
        account = self._connected(id)
        previous: dict[str, Any] = {}
        if "email" in params:
            previous["email"] = account["email"]
            account["email"] = params["email"] or None
        if "metadata" in params:
            previous["metadata"] = account["metadata"]
            account["metadata"] = {**account["metadata"], **self._metadata(params)}
        if previous:
            self.state.emit("account.updated", account, previous)
        return account

    def _connected(self, account_id: str) -> dict[str, Any]:
        from billing.stripe_peer.server import _missing

        account = self.state.objects.get(account_id)
        if account is None or account.get("object") != "account" or account.get("type") != "express":
            raise _missing("account", account_id, "account")
        return account

    def _move(self, account: dict[str, Any], state: str) -> dict[str, Any]:
        previous = {
            "capabilities": copy.deepcopy(account["capabilities"]),
            "details_submitted": account["details_submitted"],
            "payouts_enabled": account["payouts_enabled"],
            "requirements": copy.deepcopy(account["requirements"]),
        }
        set_account_state(account, state)
        self.state.emit("account.updated", account, previous)
        return account

    # -- account links ------------------------------------------------------------------------
    def account_link_create(self, params):
        from billing.stripe_peer.server import StripeError

        account = self._connected(params.get("account") or "")
        for name in ("return_url", "refresh_url"):
            if not params.get(name):
                raise StripeError(
                    400,
                    "invalid_request_error",
                    f"Missing required param: {name}.",
                    code="parameter_missing",
                    param=name,
                )
        if params.get("type") not in {"account_onboarding", "account_update"}:
            raise StripeError(
                400, "invalid_request_error", "Invalid type.", code="parameter_invalid_string", param="type"
            )
        created = shapes.now()
        query = urlencode({"return_url": params["return_url"], "refresh_url": params["refresh_url"]})
        return {
            "object": "account_link",
            "created": created,
            "expires_at": created + 300,
            "url": f"{self.base_url}/_peer/connect/onboard/{quote(account['id'])}?{query}",
        }

    def helper_onboard_page(self, params, id):
        """Stripe's hosted onboarding, reduced to one button (GET) that completes it (POST)."""
        account = self._connected(id)
        return_url = str(params.get("return_url") or "")
        escaped = html.escape(return_url, quote=True)
        page = (
            "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>"
            f"<title>Onboarding (local Stripe peer)</title><h1>Payouts for {html.escape(account['email'] or id)}</h1>"
            "<p>This page stands in for Stripe's Express onboarding. Submitting sends the details; Stripe"
            " then verifies them.</p>"
            f"<form method=post><input type=hidden name=return_url value='{escaped}'>"
            "<label><input type=radio name=state value=enabled checked> Details verified at once</label><br>"
            "<label><input type=radio name=state value=pending_verification> Verification pending</label><br>"
            "<button type=submit>Submit details</button></form>"
        )
        return Raw(200, page.encode())

    def helper_onboard_submit(self, params, id):
        account = self._connected(id)
        state = params.get("state") or "enabled"
        if state not in {"enabled", "pending_verification"}:
            state = "enabled"
        self._move(account, state)
        return_url = str(params.get("return_url") or "")
        if return_url.startswith(("http://", "https://")):
            return Raw(303, b"", headers={"Location": return_url})
        return Raw(200, b"Onboarding complete.")

    def helper_account_state(self, params, id):
        from billing.stripe_peer.server import StripeError

        account = self._connected(id)
        state = params.get("state")
        if state not in ACCOUNT_STATES:
            raise StripeError(400, "invalid_request_error", f"state is one of {', '.join(ACCOUNT_STATES)}.")
        return self._move(account, state)

    # -- transfers ----------------------------------------------------------------------------
    def transfer_create(self, params):
        from billing.stripe_peer.server import StripeError

        try:
            amount = int(params.get("amount", ""))
        except ValueError:
            raise StripeError(
                400,
                "invalid_request_error",
                "Invalid integer: amount",
                code="parameter_invalid_integer",
                param="amount",
            ) from None
        if amount < 1:
            raise StripeError(
                400,
                "invalid_request_error",
                "Amount must be at least 1.",
                code="parameter_invalid_integer",
                param="amount",
            )
        currency = str(params.get("currency", "")).lower()
        account = self._connected(params.get("destination") or "")
        if account["capabilities"].get("transfers") != "active":
            raise StripeError(
                400,
                "invalid_request_error",
                "Your destination account needs to have at least one of the following capabilities enabled: "
                "transfers, crypto_transfers, legacy_payments",
                code="insufficient_capabilities_for_transfer",
                param="destination",
            )
        obj = transfer(
            amount=amount,
            currency=currency,
            destination=account["id"],
            description=params.get("description"),
            metadata=self._metadata(params),
            group=params.get("transfer_group"),
            txn_id="",
        )
        txn = shapes.balance_transaction(
            amount=-amount,
            currency=currency,
            fee=0,
            source=obj["id"],
            type_="transfer",
            category="transfer",
            description=obj["description"],
            fee_description="",
        )
        obj["balance_transaction"] = txn["id"]
        self.state.put(txn)
        self.state.put(obj)
        self.state.emit("transfer.created", obj)
        return obj

    def transfer_list(self, params):
        filters = {"destination": params["destination"]} if "destination" in params else {}
        if "transfer_group" in params:
            filters["transfer_group"] = params["transfer_group"]
        return self.paginate(self.state.of_kind("transfer", **filters), params, "/v1/transfers")

    def transfer_get(self, params, id):
        return self.state.get(id, "transfer")

    def transfer_update(self, params, id):
        obj = self.state.get(id, "transfer")
        previous: dict[str, Any] = {}
        if "description" in params:
            previous["description"] = obj["description"]
            obj["description"] = params["description"] or None
        if "metadata" in params:
            previous["metadata"] = obj["metadata"]
            obj["metadata"] = {**obj["metadata"], **self._metadata(params)}
        self.state.emit("transfer.updated", obj, previous)
        return obj

    def transfer_reversal_create(self, params, id):
        from billing.stripe_peer.server import StripeError

        obj = self.state.get(id, "transfer")
        remaining = obj["amount"] - obj["amount_reversed"]
        amount = int(params.get("amount") or remaining)
        if amount < 1 or amount > remaining:
            raise StripeError(
                400,
                "invalid_request_error",
                f"You have requested a reversal of {amount} but this transfer has only {remaining} left.",
                code="parameter_invalid_integer",
                param="amount",
            )
        return self._reverse(obj, amount, self._metadata(params))

    def _reverse(self, obj: dict[str, Any], amount: int, metadata: dict[str, str]) -> dict[str, Any]:
        txn = shapes.balance_transaction(
            amount=amount,
            currency=obj["currency"],
            fee=0,
            source="",
            type_="transfer_refund",
            category="transfer_reversal",
            description=None,
            fee_description="",
        )
        reversal = transfer_reversal(transfer_obj=obj, amount=amount, metadata=metadata, txn_id=txn["id"])
        txn["source"] = reversal["id"]
        self.state.put(txn)
        self.state.put(reversal)
        previous = {"amount_reversed": obj["amount_reversed"], "reversed": obj["reversed"]}
        obj["amount_reversed"] += amount
        obj["reversed"] = obj["amount_reversed"] >= obj["amount"]
        obj["reversals"]["data"].insert(0, copy.deepcopy(reversal))
        obj["reversals"]["total_count"] = len(obj["reversals"]["data"])
        self.state.emit("transfer.reversed", obj, previous)
        self.state.emit("transfer.updated", obj, previous)
        return reversal

    def transfer_reversal_list(self, params, id):
        obj = self.state.get(id, "transfer")
        reversals = self.state.of_kind("transfer_reversal", transfer=obj["id"])
        return self.paginate(reversals, params, f"/v1/transfers/{id}/reversals")

    def transfer_reversal_get(self, params, id, reversal):
        self.state.get(id, "transfer")
        return self.state.get(reversal, "transfer_reversal")

    def helper_transfer_fail(self, params, id):
        """The connected account's bank returned the money: the whole transfer is reversed."""
        obj = self.state.get(id, "transfer")
        remaining = obj["amount"] - obj["amount_reversed"]
        if remaining <= 0:
            return obj
        self._reverse(obj, remaining, {"peer_failure": params.get("reason") or "account_closed"})
        return obj


def connect_routes(peer: ConnectMixin) -> list[tuple[str, str, Any]]:
    """The Connect routes, for ``Peer.__init__`` (account routes go before the platform's own)."""
    return [
        ("POST", r"/v1/accounts", peer.connect_account_create),
        ("GET", r"/v1/accounts", peer.connect_account_list),
        ("POST", r"/v1/accounts/(?P<id>acct_[^/]+)", peer.connect_account_update),
        ("POST", r"/v1/account_links", peer.account_link_create),
        ("POST", r"/v1/transfers", peer.transfer_create),
        ("GET", r"/v1/transfers", peer.transfer_list),
        ("GET", r"/v1/transfers/(?P<id>[^/]+)", peer.transfer_get),
        ("POST", r"/v1/transfers/(?P<id>[^/]+)", peer.transfer_update),
        ("POST", r"/v1/transfers/(?P<id>[^/]+)/reversals", peer.transfer_reversal_create),
        ("GET", r"/v1/transfers/(?P<id>[^/]+)/reversals", peer.transfer_reversal_list),
        ("GET", r"/v1/transfers/(?P<id>[^/]+)/reversals/(?P<reversal>[^/]+)", peer.transfer_reversal_get),
        ("GET", r"/_peer/connect/onboard/(?P<id>[^/]+)", peer.helper_onboard_page),
        ("POST", r"/_peer/connect/onboard/(?P<id>[^/]+)", peer.helper_onboard_submit),
        ("POST", r"/_peer/accounts/(?P<id>[^/]+)/state", peer.helper_account_state),
        ("POST", r"/_peer/transfers/(?P<id>[^/]+)/fail", peer.helper_transfer_fail),
    ]
