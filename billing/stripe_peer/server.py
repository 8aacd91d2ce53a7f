"""Fanfare's local Stripe peer: Stripe's HTTP API for what Fanfare uses, in memory, over real HTTP.

It answers stripe-python and dj-stripe (``/v1/...``) with Stripe's object shapes and error
bodies, keeps idempotency keys, signs webhook deliveries with the ``Stripe-Signature`` scheme,
and behaves like Stripe's test mode for its test cards (see ``shapes.TEST_CARDS``). Routes
under ``/_peer/`` are for tests and the demo only: act as the card holder (3-D Secure), open
and close disputes, wait for deliveries, list and resend events.

What it covers: account, customers, payment methods, setup intents, payment intents, charges,
balance transactions, refunds, disputes, events, webhook endpoints; products, prices,
subscriptions and invoices (``subscriptions.py``); Connect Express accounts, account links,
transfers and reversals (``connect.py``). Not yet: payouts of connected accounts, application fees.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging
import os
import queue
import re
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from billing.stripe_peer import shapes
from billing.stripe_peer.connect import ConnectMixin, Raw, connect_routes
from billing.stripe_peer.formdata import decode, truthy
from billing.stripe_peer.subscriptions import SubscriptionsMixin

logger = logging.getLogger(__name__)

API_VERSION = "2026-05-27.dahlia"
ACCOUNT_ID = "acct_1FanfareLocalPeer0000"


class StripeError(Exception):
    def __init__(self, status: int, type_: str, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, **fields}}


def _missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(
        404, "invalid_request_error", f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``payload``: ``t=<unix>,v1=<HMAC-SHA256 of "t.payload">``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# Fields set when an object is made and never changed afterwards, which list calls filter on.
INDEXED_FIELDS: dict[str, tuple[str, ...]] = {
    "charge": ("payment_intent",),
    "refund": ("charge", "payment_intent"),
    "dispute": ("charge", "payment_intent"),
    "balance_transaction": ("source",),
    "event": ("type",),
}


class PeerState:
    """Every object the peer knows, its events and webhook endpoints. One lock guards it all."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, Any]] = {}
        self.order: dict[str, int] = {}
        self.card_numbers: dict[str, str] = {}
        self.set_up: set[str] = set()  # payment methods authenticated once (3-D Secure on setup)
        self.events: list[dict[str, Any]] = []
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self.deliveries: list[dict[str, Any]] = []
        # API requests answered, by "METHOD /v1/<resource>" (tests count the calls a flow makes).
        self.requests: dict[str, int] = {}
        self.outbox: queue.Queue = queue.Queue()
        self.dirty = threading.Event()
        self._counter = 0
        # Indexes for listing (a list call must not scan every object the peer has made: a benchmark
        # makes tens of thousands): ids of each kind in creation order, and ids by the value of a
        # field that never changes once an object exists (a refund's charge, a charge's intent ...).
        self.by_kind: dict[str, dict[str, None]] = {}
        self.by_field: dict[tuple[str, str, Any], dict[str, None]] = {}
        self.put(shapes.account(ACCOUNT_ID))

    # -- persistence (``make run``: the peer's state outlives a restart, like the database) -----
    def dump(self) -> str:
        with self.lock:
            return json.dumps(
                {
                    "objects": self.objects,
                    "order": self.order,
                    "card_numbers": self.card_numbers,
                    "set_up": sorted(self.set_up),
                    "event_ids": [event["id"] for event in self.events],
                    "endpoints": list(self.endpoints),
                    "counter": self._counter,
                }
            )

    def load(self, text: str) -> None:
        data = json.loads(text)
        with self.lock:
            self.objects = {}
            self.by_kind, self.by_field = {}, {}
            self.order = data["order"]
            for object_id in sorted(data["objects"], key=lambda key: self.order.get(key, 0)):
                self._index(data["objects"][object_id])
            self.card_numbers = data["card_numbers"]
            self.set_up = set(data["set_up"])
            self.events = [self.objects[event_id] for event_id in data["event_ids"] if event_id in self.objects]
            self.endpoints = {key: self.objects[key] for key in data["endpoints"] if key in self.objects}
            self._counter = data["counter"]
            if ACCOUNT_ID not in self.objects:
                self.put(shapes.account(ACCOUNT_ID))

    # -- storage ------------------------------------------------------------------------------
    def put(self, obj: dict[str, Any]) -> dict[str, Any]:
        if obj["id"] not in self.order:
            self._counter += 1
            self.order[obj["id"]] = self._counter
        self._index(obj)
        return obj

    def _index(self, obj: dict[str, Any]) -> None:
        object_id, kind = obj["id"], obj.get("object")
        self.objects[object_id] = obj
        self.by_kind.setdefault(kind, {})[object_id] = None
        for field in INDEXED_FIELDS.get(kind, ()):
            value = obj.get(field)
            if isinstance(value, str | int):
                self.by_field.setdefault((kind, field, value), {})[object_id] = None

    def get(self, object_id: str, kind: str, param: str = "id") -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj.get("object") != kind:
            raise _missing(kind, object_id, param)
        return obj

    def of_kind(self, kind: str, **filters: Any) -> list[dict[str, Any]]:
        """Objects of ``kind`` matching ``filters``, newest first (an index narrows the candidates
        when a filter is on a field that never changes; every filter is still checked)."""
        candidates = self.by_kind.get(kind, {})
        for field, value in filters.items():
            if field in INDEXED_FIELDS.get(kind, ()):
                candidates = self.by_field.get((kind, field, value), {})
                break
        found = []
        for object_id in reversed(candidates):  # each index is in creation order
            obj = self.objects.get(object_id)
            if (
                obj is not None
                and obj.get("object") == kind
                and all(obj.get(key) == value for key, value in filters.items())
            ):
                found.append(obj)
        return found

    # -- events -------------------------------------------------------------------------------
    def emit(self, type_: str, obj: dict[str, Any], previous: dict | None = None, request_key: str | None = None):
        event = shapes.event(
            type_=type_, obj=copy.deepcopy(obj), api_version=API_VERSION, previous=previous, request_key=request_key
        )
        self.put(event)
        self.events.append(event)
        for endpoint in self.endpoints.values():
            if endpoint["status"] == "enabled" and (
                "*" in endpoint["enabled_events"] or type_ in endpoint["enabled_events"]
            ):
                self.outbox.put((event["id"], endpoint["id"]))
        return event


class Peer(SubscriptionsMixin, ConnectMixin):
    """The API's behaviour: one method per route, working on a :class:`PeerState`."""

    def __init__(self, state: PeerState) -> None:
        self.state = state
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = []
        for method, pattern, handler in [
            ("GET", r"/v1/account", self.account_get),
            ("GET", r"/v1/accounts/(?P<id>[^/]+)", self.account_get),
            ("POST", r"/v1/customers", self.customer_create),
            ("GET", r"/v1/customers", self.customer_list),
            ("GET", r"/v1/customers/(?P<id>[^/]+)", self.customer_get),
            ("POST", r"/v1/customers/(?P<id>[^/]+)", self.customer_update),
            ("GET", r"/v1/customers/(?P<id>[^/]+)/payment_methods", self.customer_payment_methods),
            ("POST", r"/v1/payment_methods", self.payment_method_create),
            ("GET", r"/v1/payment_methods", self.payment_method_list),
            ("GET", r"/v1/payment_methods/(?P<id>[^/]+)", self.payment_method_get),
            ("POST", r"/v1/payment_methods/(?P<id>[^/]+)/attach", self.payment_method_attach),
            ("POST", r"/v1/payment_methods/(?P<id>[^/]+)/detach", self.payment_method_detach),
            ("POST", r"/v1/setup_intents", self.setup_intent_create),
            ("GET", r"/v1/setup_intents/(?P<id>[^/]+)", self.setup_intent_get),
            ("POST", r"/v1/setup_intents/(?P<id>[^/]+)/confirm", self.setup_intent_confirm),
            ("POST", r"/v1/setup_intents/(?P<id>[^/]+)/cancel", self.setup_intent_cancel),
            ("POST", r"/v1/payment_intents", self.payment_intent_create),
            ("GET", r"/v1/payment_intents", self.payment_intent_list),
            ("GET", r"/v1/payment_intents/(?P<id>[^/]+)", self.payment_intent_get),
            ("POST", r"/v1/payment_intents/(?P<id>[^/]+)/confirm", self.payment_intent_confirm),
            ("POST", r"/v1/payment_intents/(?P<id>[^/]+)/cancel", self.payment_intent_cancel),
            ("GET", r"/v1/charges", self.charge_list),
            ("GET", r"/v1/charges/(?P<id>[^/]+)", self.charge_get),
            ("GET", r"/v1/balance_transactions", self.balance_transaction_list),
            ("GET", r"/v1/balance_transactions/(?P<id>[^/]+)", self.balance_transaction_get),
            ("POST", r"/v1/refunds", self.refund_create),
            ("GET", r"/v1/refunds", self.refund_list),
            ("GET", r"/v1/refunds/(?P<id>[^/]+)", self.refund_get),
            ("GET", r"/v1/disputes", self.dispute_list),
            ("GET", r"/v1/disputes/(?P<id>[^/]+)", self.dispute_get),
            ("POST", r"/v1/disputes/(?P<id>[^/]+)", self.dispute_update),
            ("POST", r"/v1/disputes/(?P<id>[^/]+)/close", self.dispute_close),
            ("GET", r"/v1/events", self.event_list),
            ("GET", r"/v1/events/(?P<id>[^/]+)", self.event_get),
            ("POST", r"/v1/webhook_endpoints", self.webhook_endpoint_create),
            ("GET", r"/v1/webhook_endpoints", self.webhook_endpoint_list),
            ("GET", r"/v1/webhook_endpoints/(?P<id>[^/]+)", self.webhook_endpoint_get),
            ("DELETE", r"/v1/webhook_endpoints/(?P<id>[^/]+)", self.webhook_endpoint_delete),
            *self.subscription_routes(),
            # Test helpers (not Stripe's API).
            ("POST", r"/_peer/payment_intents/(?P<id>[^/]+)/authenticate", self.helper_authenticate_payment),
            ("POST", r"/_peer/setup_intents/(?P<id>[^/]+)/authenticate", self.helper_authenticate_setup),
            ("POST", r"/_peer/disputes", self.helper_dispute_create),
            ("POST", r"/_peer/disputes/(?P<id>[^/]+)/close", self.helper_dispute_close),
            ("GET", r"/_peer/events", self.helper_events),
            ("POST", r"/_peer/events/(?P<id>[^/]+)/resend", self.helper_event_resend),
            ("POST", r"/_peer/flush", self.helper_flush),
            ("GET", r"/_peer/deliveries", self.helper_deliveries),
            *connect_routes(self),  # Connect: accounts, account links, transfers (connect.py)
        ]:
            self.routes.append((method, re.compile(pattern + r"/?$"), handler))

    # -- plumbing -----------------------------------------------------------------------------
    def route(self, method: str, path: str) -> tuple[Callable[..., Any], dict[str, str]]:
        for route_method, pattern, handler in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                return handler, match.groupdict()
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def expand(self, obj: Any, paths: list[str]) -> Any:
        obj = copy.deepcopy(obj)
        for path in paths:
            parts = path.split(".")
            if isinstance(obj, dict) and obj.get("object") == "list" and parts[0] == "data":
                for item in obj["data"]:
                    self._expand_path(item, parts[1:])
            else:
                self._expand_path(obj, parts)
        return obj

    def _expand_path(self, node: Any, parts: list[str]) -> None:
        if not parts or not isinstance(node, dict):
            return
        head, rest = parts[0], parts[1:]
        if head == "refunds" and node.get("object") == "charge" and head not in node:
            # As Stripe (API 2022-11-15 on): a charge's refunds are not in it unless expanded, then a
            # list of the first 10, newest first.
            node[head] = self.paginate(
                self.state.of_kind("refund", charge=node.get("id")), {}, f"/v1/charges/{node.get('id')}/refunds"
            )
        value = node.get(head)
        if isinstance(value, str) and value in self.state.objects:
            node[head] = copy.deepcopy(self.state.objects[value])
        if isinstance(node.get(head), list):
            for item in node[head]:
                self._expand_path(item, rest)
        else:
            self._expand_path(node.get(head), rest)

    def paginate(self, items: list[dict[str, Any]], params: dict[str, Any], url: str) -> dict[str, Any]:
        created = params.get("created")
        if isinstance(created, dict):
            bounds = {"gte": int.__ge__, "gt": int.__gt__, "lte": int.__le__, "lt": int.__lt__}
            for op, check in bounds.items():
                if op in created:
                    items = [item for item in items if check(item["created"], int(created[op]))]
        if "starting_after" in params:
            ids = [item["id"] for item in items]
            if params["starting_after"] in ids:
                items = items[ids.index(params["starting_after"]) + 1 :]
        limit = max(1, min(100, int(params.get("limit", 10))))
        return shapes.list_of(items[:limit], url, has_more=len(items) > limit)

    def _metadata(self, params: dict[str, Any]) -> dict[str, str]:
        metadata = params.get("metadata") or {}
        return {str(key): str(value) for key, value in metadata.items()} if isinstance(metadata, dict) else {}

    # -- account and customers ----------------------------------------------------------------
    def account_get(self, params, id=ACCOUNT_ID):
        return self.state.get(id, "account")

    def customer_create(self, params):
        obj = shapes.customer(
            email=params.get("email"),
            name=params.get("name"),
            metadata=self._metadata(params),
            description=params.get("description"),
        )
        self.state.put(obj)
        self.state.emit("customer.created", obj)
        return obj

    def customer_list(self, params):
        filters = {"email": params["email"]} if "email" in params else {}
        return self.paginate(self.state.of_kind("customer", **filters), params, "/v1/customers")

    def customer_get(self, params, id):
        return self.state.get(id, "customer")

    def customer_update(self, params, id):
        obj = self.state.get(id, "customer")
        previous: dict[str, Any] = {}
        for field in ("email", "name", "description"):
            if field in params:
                previous[field] = obj[field]
                obj[field] = params[field] or None
        if "metadata" in params:
            previous["metadata"] = obj["metadata"]
            obj["metadata"] = {**obj["metadata"], **self._metadata(params)}
        settings = params.get("invoice_settings") or {}
        if "default_payment_method" in settings:
            pm_id = settings["default_payment_method"] or None
            if pm_id:
                pm = self.state.get(pm_id, "payment_method", "invoice_settings[default_payment_method]")
                if pm["customer"] != id:
                    raise StripeError(
                        400,
                        "invalid_request_error",
                        f"The customer does not have a payment method with the ID {pm_id}.",
                        code="resource_missing",
                        param="invoice_settings[default_payment_method]",
                    )
            previous["invoice_settings"] = copy.deepcopy(obj["invoice_settings"])
            obj["invoice_settings"]["default_payment_method"] = pm_id
        self.state.emit("customer.updated", obj, previous)
        return obj

    def customer_payment_methods(self, params, id):
        self.state.get(id, "customer")
        return self.paginate(
            self.state.of_kind("payment_method", customer=id), params, f"/v1/customers/{id}/payment_methods"
        )

    # -- payment methods ----------------------------------------------------------------------
    def _payment_method_for(self, pm_id: str, param: str = "payment_method") -> dict[str, Any]:
        """A payment method by id; Stripe's test ids (``pm_card_visa`` ...) make a new one each time."""
        if pm_id in shapes.MAGIC_PAYMENT_METHODS:
            number = shapes.MAGIC_PAYMENT_METHODS[pm_id]
            obj = self.state.put(shapes.payment_method(number=number, exp_month=12, exp_year=2034))
            self.state.card_numbers[obj["id"]] = number
            return obj
        return self.state.get(pm_id, "payment_method", param)

    def payment_method_create(self, params):
        if params.get("type", "card") != "card":
            raise StripeError(
                400, "invalid_request_error", "The local Stripe peer supports card payment methods only.", param="type"
            )
        card = params.get("card") or {}
        number = str(card.get("number", "")).replace(" ", "")
        if not number:
            raise StripeError(
                400,
                "invalid_request_error",
                "Missing required param: card[number].",
                code="parameter_missing",
                param="card[number]",
            )
        if number not in shapes.TEST_CARDS:
            raise StripeError(
                402,
                "card_error",
                "Your card number is incorrect.",
                code="incorrect_number",
                param="number",
                decline_code=None,
            )
        obj = shapes.payment_method(
            number=number, exp_month=int(card.get("exp_month", 12)), exp_year=int(card.get("exp_year", 2034))
        )
        self.state.put(obj)
        self.state.card_numbers[obj["id"]] = number
        return obj

    def payment_method_list(self, params):
        if "customer" not in params:
            raise StripeError(
                400,
                "invalid_request_error",
                "Missing required param: customer.",
                code="parameter_missing",
                param="customer",
            )
        return self.paginate(
            self.state.of_kind("payment_method", customer=params["customer"]), params, "/v1/payment_methods"
        )

    def payment_method_get(self, params, id):
        return self.state.get(id, "payment_method")

    def payment_method_attach(self, params, id):
        pm = self._payment_method_for(id, "id")
        customer_id = params.get("customer")
        self.state.get(customer_id or "", "customer", "customer")
        self._check_card(pm, for_setup=True)
        pm["customer"] = customer_id
        self.state.emit("payment_method.attached", pm)
        return pm

    def payment_method_detach(self, params, id):
        pm = self.state.get(id, "payment_method")
        if not pm["customer"]:
            raise StripeError(
                400,
                "invalid_request_error",
                "The payment method you provided is not attached to a customer so detachment is impossible.",
                code="payment_method_unexpected_state",
            )
        customer = self.state.objects.get(pm["customer"])
        pm["customer"] = None
        if customer and customer["invoice_settings"]["default_payment_method"] == id:
            customer["invoice_settings"]["default_payment_method"] = None
        self.state.emit("payment_method.detached", pm, {"customer": customer["id"] if customer else None})
        return pm

    def _outcome(self, pm: dict[str, Any]) -> str:
        number = self.state.card_numbers.get(pm["id"], "4242424242424242")
        return shapes.TEST_CARDS.get(number, ("visa", "ok"))[1]

    def _check_card(self, pm: dict[str, Any], *, for_setup: bool) -> None:
        """Declining cards fail when saved, as in test mode."""
        outcome = self._outcome(pm)
        if outcome.startswith("decline:"):
            _, code, decline_code = outcome.split(":")
            raise StripeError(
                402, "card_error", shapes.DECLINE_MESSAGES[decline_code], code=code, decline_code=decline_code, param=""
            )

    # -- setup intents ------------------------------------------------------------------------
    def setup_intent_create(self, params):
        customer_id = params.get("customer")
        if customer_id:
            self.state.get(customer_id, "customer", "customer")
        obj = shapes.setup_intent(
            customer_id=customer_id, metadata=self._metadata(params), usage=params.get("usage", "off_session")
        )
        self.state.put(obj)
        self.state.emit("setup_intent.created", obj)
        if params.get("payment_method"):
            obj["payment_method"] = self._payment_method_for(params["payment_method"])["id"]
            obj["status"] = "requires_confirmation"
        if truthy(params.get("confirm", "false")):
            return self.setup_intent_confirm(params, obj["id"])
        return obj

    def setup_intent_get(self, params, id):
        return self.state.get(id, "setup_intent")

    def setup_intent_confirm(self, params, id):
        intent = self.state.get(id, "setup_intent")
        if intent["status"] in {"succeeded", "canceled"}:
            raise StripeError(
                400,
                "invalid_request_error",
                f"This SetupIntent has a status of {intent['status']}.",
                code="setup_intent_unexpected_state",
            )
        pm_id = params.get("payment_method") or intent["payment_method"]
        if not pm_id:
            raise StripeError(
                400,
                "invalid_request_error",
                "You cannot confirm this SetupIntent because it's missing a payment method.",
                code="setup_intent_unexpected_state",
            )
        pm = self._payment_method_for(pm_id)
        intent["payment_method"] = pm["id"]
        outcome = self._outcome(pm)
        if outcome.startswith("decline:"):
            _, code, decline_code = outcome.split(":")
            error = {
                "code": code,
                "decline_code": decline_code,
                "message": shapes.DECLINE_MESSAGES[decline_code],
                "payment_method": copy.deepcopy(pm),
                "type": "card_error",
            }
            intent.update(status="requires_payment_method", last_setup_error=error, payment_method=None)
            self.state.emit("setup_intent.setup_failed", intent)
            raise StripeError(
                402,
                "card_error",
                error["message"],
                code=code,
                decline_code=decline_code,
                setup_intent=copy.deepcopy(intent),
            )
        if outcome.startswith("3ds"):
            intent.update(status="requires_action", next_action=shapes.next_action_3ds(params.get("return_url")))
            self.state.emit("setup_intent.requires_action", intent)
            return intent
        return self._setup_succeed(intent, pm)

    def _setup_succeed(self, intent, pm):
        intent.update(status="succeeded", next_action=None, last_setup_error=None)
        self.state.set_up.add(pm["id"])
        if intent["customer"] and pm["customer"] != intent["customer"]:
            pm["customer"] = intent["customer"]
            self.state.emit("payment_method.attached", pm)
        self.state.emit("setup_intent.succeeded", intent)
        return intent

    def setup_intent_cancel(self, params, id):
        intent = self.state.get(id, "setup_intent")
        intent.update(status="canceled", cancellation_reason=params.get("cancellation_reason"))
        self.state.emit("setup_intent.canceled", intent)
        return intent

    def helper_authenticate_setup(self, params, id):
        intent = self.state.get(id, "setup_intent")
        if intent["status"] != "requires_action":
            raise StripeError(400, "invalid_request_error", "This SetupIntent does not require action.")
        pm = self.state.get(intent["payment_method"], "payment_method")
        if params.get("result", "succeed") == "fail":
            intent.update(
                status="requires_payment_method",
                next_action=None,
                payment_method=None,
                last_setup_error={
                    "code": "setup_intent_authentication_failure",
                    "type": "invalid_request_error",
                    "message": "Authentication failed.",
                    "payment_method": copy.deepcopy(pm),
                },
            )
            self.state.emit("setup_intent.setup_failed", intent)
            return intent
        return self._setup_succeed(intent, pm)

    # -- payment intents ----------------------------------------------------------------------
    def payment_intent_create(self, params, request_key=None):
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
        currency = str(params.get("currency", "")).lower()
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise StripeError(
                400, "invalid_request_error", "Invalid currency.", code="parameter_invalid_string", param="currency"
            )
        if amount < 1 or amount > 99_999_999:
            raise StripeError(
                400,
                "invalid_request_error",
                "Amount must be between 1 and 99999999.",
                code="amount_too_large" if amount > 1 else "amount_too_small",
                param="amount",
            )
        customer_id = params.get("customer")
        if customer_id:
            self.state.get(customer_id, "customer", "customer")
        intent = shapes.payment_intent(
            amount=amount,
            currency=currency,
            customer_id=customer_id,
            metadata=self._metadata(params),
            description=params.get("description"),
        )
        intent["setup_future_usage"] = params.get("setup_future_usage")
        self.state.put(intent)
        self.state.emit("payment_intent.created", intent)
        if params.get("payment_method"):
            intent["payment_method"] = self._payment_method_for(params["payment_method"])["id"]
            intent["status"] = "requires_confirmation"
        if truthy(params.get("confirm", "false")):
            return self.payment_intent_confirm(params, intent["id"])
        return intent

    def payment_intent_list(self, params):
        filters = {"customer": params["customer"]} if "customer" in params else {}
        return self.paginate(self.state.of_kind("payment_intent", **filters), params, "/v1/payment_intents")

    def payment_intent_get(self, params, id):
        return self.state.get(id, "payment_intent")

    def payment_intent_confirm(self, params, id):
        intent = self.state.get(id, "payment_intent")
        if intent["status"] not in {"requires_payment_method", "requires_confirmation", "requires_action"}:
            raise StripeError(
                400,
                "invalid_request_error",
                f"This PaymentIntent's status is {intent['status']}; it cannot be confirmed.",
                code="payment_intent_unexpected_state",
                payment_intent=copy.deepcopy(intent),
            )
        pm_id = params.get("payment_method") or intent["payment_method"]
        if not pm_id:
            raise StripeError(
                400,
                "invalid_request_error",
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
            )
        pm = self._payment_method_for(pm_id)
        if pm["customer"] and intent["customer"] and pm["customer"] != intent["customer"]:
            raise StripeError(
                400,
                "invalid_request_error",
                "The provided PaymentMethod belongs to another customer.",
                code="payment_method_unexpected_state",
                param="payment_method",
            )
        intent["payment_method"] = pm["id"]
        outcome = self._outcome(pm)
        off_session = truthy(params.get("off_session", "false"))
        if outcome.startswith("decline:"):
            _, code, decline_code = outcome.split(":")
            self._payment_fail(intent, pm, code=code, decline_code=decline_code)
        needs_auth = outcome == "3ds_always" or (outcome == "3ds_setup" and pm["id"] not in self.state.set_up)
        if needs_auth:
            if off_session:
                self._payment_fail(intent, pm, code="authentication_required", decline_code="authentication_required")
            intent.update(status="requires_action", next_action=shapes.next_action_3ds(params.get("return_url")))
            self.state.emit("payment_intent.requires_action", intent)
            return intent
        return self._payment_succeed(intent, pm)

    def _payment_fail(self, intent, pm, *, code: str, decline_code: str) -> None:
        message = shapes.DECLINE_MESSAGES.get(decline_code, "Your card was declined.")
        charge = shapes.charge(
            intent=intent,
            pm=pm,
            status="failed",
            outcome={"failure_code": code, "failure_message": message, "decline_code": decline_code},
        )
        self.state.put(charge)
        error = {
            "charge": charge["id"],
            "code": code,
            "decline_code": decline_code,
            "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
            "message": message,
            "payment_method": copy.deepcopy(pm),
            "type": "card_error",
        }
        intent.update(
            status="requires_payment_method", last_payment_error=error, latest_charge=charge["id"], next_action=None
        )
        self.state.emit("charge.failed", charge)
        self.state.emit("payment_intent.payment_failed", intent)
        raise StripeError(
            402,
            "card_error",
            message,
            code=code,
            decline_code=decline_code,
            charge=charge["id"],
            payment_intent=copy.deepcopy(intent),
        )

    def _payment_succeed(self, intent, pm):
        charge = shapes.charge(intent=intent, pm=pm, status="succeeded", outcome={})
        fee = shapes.processing_fee(intent["amount"], intent["currency"])
        txn = shapes.balance_transaction(
            amount=intent["amount"],
            currency=intent["currency"],
            fee=fee,
            source=charge["id"],
            type_="charge",
            category="charge",
            description=intent["description"],
            fee_description="Stripe processing fees",
        )
        charge["balance_transaction"] = txn["id"]
        self.state.put(txn)
        self.state.put(charge)
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=charge["id"],
            next_action=None,
            last_payment_error=None,
        )
        if intent.get("setup_future_usage"):
            self.state.set_up.add(pm["id"])
            if intent["customer"] and not pm["customer"]:
                pm["customer"] = intent["customer"]
                self.state.emit("payment_method.attached", pm)
        self.state.emit("charge.succeeded", charge)
        self.state.emit("payment_intent.succeeded", intent)
        self.invoice_intent_succeeded(intent)
        if self._outcome(pm) == "ok:dispute":  # as test mode's pm_card_createDispute
            self.helper_dispute_create({"charge": charge["id"]})
        return intent

    def payment_intent_cancel(self, params, id):
        intent = self.state.get(id, "payment_intent")
        if intent["status"] in {"succeeded", "canceled"}:
            raise StripeError(
                400,
                "invalid_request_error",
                f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}.",
                code="payment_intent_unexpected_state",
            )
        intent.update(
            status="canceled",
            canceled_at=shapes.now(),
            cancellation_reason=params.get("cancellation_reason") or "requested_by_customer",
            next_action=None,
        )
        self.state.emit("payment_intent.canceled", intent)
        return intent

    def helper_authenticate_payment(self, params, id):
        intent = self.state.get(id, "payment_intent")
        if intent["status"] != "requires_action":
            raise StripeError(400, "invalid_request_error", "This PaymentIntent does not require action.")
        pm = self.state.get(intent["payment_method"], "payment_method")
        if params.get("result", "succeed") == "fail":
            intent.update(
                status="requires_payment_method",
                next_action=None,
                last_payment_error={
                    "code": "payment_intent_authentication_failure",
                    "type": "invalid_request_error",
                    "message": "The provided PaymentMethod has failed authentication.",
                    "payment_method": copy.deepcopy(pm),
                },
            )
            self.state.emit("payment_intent.payment_failed", intent)
            return intent
        self.state.set_up.add(pm["id"])
        return self._payment_succeed(intent, pm)

    # -- charges and balance transactions -----------------------------------------------------
    def charge_list(self, params):
        filters = {"payment_intent": params["payment_intent"]} if "payment_intent" in params else {}
        return self.paginate(self.state.of_kind("charge", **filters), params, "/v1/charges")

    def charge_get(self, params, id):
        return self.state.get(id, "charge")

    def balance_transaction_list(self, params):
        filters = {"source": params["source"]} if "source" in params else {}
        return self.paginate(self.state.of_kind("balance_transaction", **filters), params, "/v1/balance_transactions")

    def balance_transaction_get(self, params, id):
        return self.state.get(id, "balance_transaction")

    # -- refunds ------------------------------------------------------------------------------
    def refund_create(self, params):
        if params.get("payment_intent"):
            intent = self.state.get(params["payment_intent"], "payment_intent", "payment_intent")
            if not intent["latest_charge"] or intent["status"] != "succeeded":
                raise StripeError(
                    400,
                    "invalid_request_error",
                    "This PaymentIntent does not have a successful charge to refund.",
                    code="charge_not_refundable",
                    param="payment_intent",
                )
            charge = self.state.get(intent["latest_charge"], "charge")
        elif params.get("charge"):
            charge = self.state.get(params["charge"], "charge", "charge")
        else:
            raise StripeError(
                400,
                "invalid_request_error",
                "One of the following params should be provided for this request: payment_intent or charge.",
                code="parameter_missing",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise StripeError(
                400,
                "invalid_request_error",
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = int(params.get("amount", remaining))
        if amount <= 0 or amount > remaining:
            raise StripeError(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                code="amount_too_large",
                param="amount",
            )
        if charge["disputed"] and any(
            dispute["status"] not in {"won", "lost", "warning_closed"}
            for dispute in self.state.of_kind("dispute", charge=charge["id"])
        ):
            raise StripeError(
                400,
                "invalid_request_error",
                f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                code="charge_disputed",
            )
        refund = shapes.refund(
            charge_obj=charge, amount=amount, reason=params.get("reason"), metadata=self._metadata(params)
        )
        txn = shapes.balance_transaction(
            amount=-amount,
            currency=charge["currency"],
            fee=0,
            source=refund["id"],
            type_="refund",
            category="refund",
            description="REFUND FOR CHARGE",
            fee_description="",
        )
        refund["balance_transaction"] = txn["id"]
        self.state.put(txn)
        self.state.put(refund)
        previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self.state.emit("refund.created", refund)
        self.state.emit("charge.refunded", charge, previous)
        return refund

    def refund_list(self, params):
        filters = {key: params[key] for key in ("charge", "payment_intent") if key in params}
        return self.paginate(self.state.of_kind("refund", **filters), params, "/v1/refunds")

    def refund_get(self, params, id):
        return self.state.get(id, "refund")

    # -- disputes -----------------------------------------------------------------------------
    def dispute_list(self, params):
        filters = {key: params[key] for key in ("charge", "payment_intent") if key in params}
        return self.paginate(self.state.of_kind("dispute", **filters), params, "/v1/disputes")

    def dispute_get(self, params, id):
        return self.state.get(id, "dispute")

    def dispute_update(self, params, id):
        dispute = self.state.get(id, "dispute")
        if dispute["status"] not in {"needs_response", "warning_needs_response"}:
            raise StripeError(
                400,
                "invalid_request_error",
                "This dispute is already closed or under review.",
                code="dispute_unexpected_state",
            )
        evidence = params.get("evidence") or {}
        for field, value in evidence.items():
            if field in shapes.EVIDENCE_FIELDS:
                dispute["evidence"][field] = value
        if "metadata" in params:
            dispute["metadata"] = {**dispute["metadata"], **self._metadata(params)}
        dispute["evidence_details"]["has_evidence"] = any(dispute["evidence"][f] for f in shapes.EVIDENCE_FIELDS)
        if truthy(params.get("submit", "true")):
            dispute["evidence_details"]["submission_count"] += 1
            dispute["status"] = "under_review"
            self.state.emit("charge.dispute.updated", dispute, {"status": "needs_response"})
            # Test mode: Stripe decides by the evidence text.
            text = dispute["evidence"].get("uncategorized_text") or ""
            if "winning_evidence" in text:
                self._dispute_close(dispute, won=True)
            elif "losing_evidence" in text:
                self._dispute_close(dispute, won=False)
        else:
            self.state.emit("charge.dispute.updated", dispute)
        return dispute

    def dispute_close(self, params, id):
        dispute = self.state.get(id, "dispute")
        if dispute["status"] in {"won", "lost"}:
            raise StripeError(
                400, "invalid_request_error", "This dispute is already closed.", code="dispute_already_closed"
            )
        return self._dispute_close(dispute, won=False)

    def _dispute_close(self, dispute, *, won: bool):
        previous_status = dispute["status"]
        if won:
            txn = shapes.balance_transaction(
                amount=dispute["amount"],
                currency=dispute["currency"],
                fee=-shapes.DISPUTE_FEE,
                source=dispute["id"],
                type_="adjustment",
                category="dispute_reversal",
                description=f"Chargeback reversal for {dispute['charge']}",
                fee_description="Dispute fee refund",
            )
            self.state.put(txn)
            dispute["balance_transactions"].append(copy.deepcopy(txn))
            dispute["status"] = "won"
            self.state.emit("charge.dispute.funds_reinstated", dispute)
        else:
            dispute["status"] = "lost"
        dispute["is_charge_refundable"] = False
        self.state.emit("charge.dispute.closed", dispute, {"status": previous_status})
        return dispute

    def helper_dispute_create(self, params):
        if params.get("payment_intent"):
            intent = self.state.get(params["payment_intent"], "payment_intent", "payment_intent")
            charge = self.state.get(intent["latest_charge"] or "", "charge", "payment_intent")
        else:
            charge = self.state.get(params.get("charge", ""), "charge", "charge")
        if charge["status"] != "succeeded":
            raise StripeError(400, "invalid_request_error", "Only a succeeded charge can be disputed.")
        amount = int(params.get("amount", charge["amount"] - charge["amount_refunded"]))
        dispute = shapes.dispute(charge_obj=charge, amount=amount, reason=params.get("reason", "fraudulent"))
        txn = shapes.balance_transaction(
            amount=-amount,
            currency=charge["currency"],
            fee=shapes.DISPUTE_FEE,
            source=dispute["id"],
            type_="adjustment",
            category="dispute",
            description=f"Chargeback withdrawal for {charge['id']}",
            fee_description="Dispute fee",
        )
        self.state.put(txn)
        dispute["balance_transactions"] = [copy.deepcopy(txn)]
        self.state.put(dispute)
        charge["disputed"] = True
        self.state.emit("charge.dispute.created", dispute)
        self.state.emit("charge.dispute.funds_withdrawn", dispute)
        return dispute

    def helper_dispute_close(self, params, id):
        dispute = self.state.get(id, "dispute")
        if dispute["status"] in {"won", "lost"}:
            raise StripeError(
                400, "invalid_request_error", "This dispute is already closed.", code="dispute_already_closed"
            )
        return self._dispute_close(dispute, won=params.get("outcome") == "won")

    # -- events and webhook endpoints ---------------------------------------------------------
    def event_list(self, params):
        filters = {"type": params["type"]} if "type" in params else {}
        return self.paginate(self.state.of_kind("event", **filters), params, "/v1/events")

    def event_get(self, params, id):
        return self.state.get(id, "event")

    def webhook_endpoint_create(self, params):
        url = params.get("url")
        if not url:
            raise StripeError(
                400, "invalid_request_error", "Missing required param: url.", code="parameter_missing", param="url"
            )
        events = params.get("enabled_events") or ["*"]
        endpoint = shapes.webhook_endpoint(
            url=url, enabled_events=list(events), api_version=params.get("api_version"), metadata=self._metadata(params)
        )
        self.state.put(endpoint)
        self.state.endpoints[endpoint["id"]] = endpoint
        return endpoint

    def _public_endpoint(self, endpoint):
        return {key: value for key, value in endpoint.items() if key != "secret"}

    def webhook_endpoint_list(self, params):
        listing = self.paginate(self.state.of_kind("webhook_endpoint"), params, "/v1/webhook_endpoints")
        listing["data"] = [self._public_endpoint(endpoint) for endpoint in listing["data"]]
        return listing

    def webhook_endpoint_get(self, params, id):
        return self._public_endpoint(self.state.get(id, "webhook_endpoint"))

    def webhook_endpoint_delete(self, params, id):
        self.state.get(id, "webhook_endpoint")
        self.state.endpoints.pop(id, None)
        self.state.objects.pop(id, None)
        return {"id": id, "object": "webhook_endpoint", "deleted": True}

    # -- helpers for tests --------------------------------------------------------------------
    def helper_events(self, params):
        events = self.state.events
        if "type" in params:
            events = [event for event in events if event["type"] == params["type"]]
        return shapes.list_of(list(events), "/_peer/events")

    def helper_event_resend(self, params, id):
        event = self.state.get(id, "event")
        for endpoint_id in self.state.endpoints:
            self.state.outbox.put((event["id"], endpoint_id))
        return {"id": id, "queued": len(self.state.endpoints)}

    def helper_flush(self, params):
        return {"flushed": True}  # answered by the handler once the outbox is empty

    def helper_deliveries(self, params):
        return shapes.list_of(list(self.state.deliveries), "/_peer/deliveries")


class _Handler(BaseHTTPRequestHandler):
    server: _PeerHTTPServer
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY on each connection: an answer goes out as two writes (the headers, then the body),
    # and with Nagle's algorithm the body waited for the client's delayed acknowledgement of the
    # headers, about 40 ms on Linux, on every kept-alive request (44 ms a GET, against 0.9 ms without).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("stripe peer: " + format, *args)

    def _respond(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Request-Id", shapes.new_id("req"))
        self.send_header("Stripe-Version", API_VERSION)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        params = decode(raw) if method == "POST" else decode(split.query)
        if method == "POST" and split.query:
            params = {**decode(split.query), **params}
        peer = self.server.peer
        try:
            if split.path.startswith("/v1/"):
                auth = self.headers.get("Authorization", "")
                if not (auth.startswith("Bearer sk_test_") or auth.startswith("Bearer rk_test_")):
                    raise StripeError(
                        401, "invalid_request_error", "You did not provide an API key, or it is not a test mode key."
                    )
            handler, kwargs = peer.route(method, split.path)
            if split.path.startswith("/v1/"):
                resource = f"{method} {'/'.join(split.path.split('/')[:3])}"
                with peer.state.lock:
                    peer.state.requests[resource] = peer.state.requests.get(resource, 0) + 1
            if split.path == "/_peer/flush":
                self.server.wait_for_deliveries()
            key = self.headers.get("Idempotency-Key") if method == "POST" else None
            fingerprint = hashlib.sha256(f"{split.path}?{sorted(parse_qsl(raw))}".encode()).hexdigest()
            with peer.state.lock:
                if key and key in peer.state.idempotency:
                    seen_fingerprint, status, body = peer.state.idempotency[key]
                    if seen_fingerprint != fingerprint:
                        raise StripeError(
                            400,
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same parameters "
                            "they were first used with.",
                        )
                    self._respond(status, body, {"Idempotent-Replayed": "true"})
                    return
                try:
                    result = handler(params, **kwargs)
                    if isinstance(result, Raw):  # a helper's page (connect.py)
                        peer.state.dirty.set()
                        self._respond_raw(result)
                        return
                    status, body = 200, peer.expand(result, list(params.get("expand") or []))
                except StripeError as error:
                    status, body = error.status, error.body
                if key and status != 500:
                    peer.state.idempotency[key] = (fingerprint, status, body)
                if method != "GET":
                    peer.state.dirty.set()
            self._respond(status, body)
        except StripeError as error:
            self._respond(error.status, error.body)
        except Exception:
            logger.exception("stripe peer: %s %s failed", method, self.path)
            self._respond(500, {"error": {"type": "api_error", "message": "The local Stripe peer failed."}})

    def _respond_raw(self, raw: Raw) -> None:
        self.send_response(raw.status)
        self.send_header("Content-Type", raw.content_type)
        self.send_header("Content-Length", str(len(raw.body)))
        for name, value in raw.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw.body)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")


class _PeerHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], peer: Peer, state_path: Path | None = None) -> None:
        super().__init__(address, _Handler)
        self.peer = peer
        peer.base_url = f"http://{address[0]}:{self.server_address[1]}"  # account links point here
        self.state_path = state_path
        self._stopping = threading.Event()
        self._save_lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        if state_path is not None and state_path.exists():
            peer.state.load(state_path.read_text())
        if state_path is not None:
            threading.Thread(target=self._save_forever, name="stripe-peer-state", daemon=True).start()
        self._deliverer = threading.Thread(target=self._deliver_forever, name="stripe-peer-webhooks", daemon=True)
        self._deliverer.start()

    def save(self) -> None:
        """Write the state file (atomically: a temporary file, then a rename)."""
        if self.state_path is None:
            return
        # One save at a time in this process (the saver thread and shutdown() both save), and a
        # temporary file of its own, so that two peers sharing a state path (two test processes,
        # a peer restarted while the old one is still stopping) never rename each other's file.
        with self._save_lock:
            self.peer.state.dirty.clear()
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary_name = tempfile.mkstemp(
                dir=self.state_path.parent, prefix=f".{self.state_path.name}.", suffix=".tmp"
            )
            temporary = Path(temporary_name)
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    handle.write(self.peer.state.dump())
                temporary.replace(self.state_path)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise

    def _save_forever(self) -> None:
        while not self._stopping.is_set():
            if self.peer.state.dirty.wait(0.5):
                self.save()

    def wait_for_deliveries(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.peer.state.outbox.empty() and self._idle.is_set():
                return
            time.sleep(0.01)

    def _deliver_forever(self) -> None:
        outbox = self.peer.state.outbox
        while not self._stopping.is_set():
            try:
                event_id, endpoint_id = outbox.get(timeout=0.1)
            except queue.Empty:
                continue
            self._idle.clear()
            try:
                self._deliver(event_id, endpoint_id)
            finally:
                self._idle.set()

    def _deliver(self, event_id: str, endpoint_id: str) -> None:
        state = self.peer.state
        with state.lock:
            event = state.objects.get(event_id)
            endpoint = state.endpoints.get(endpoint_id)
            if event is None or endpoint is None:
                return
            payload = json.dumps(event, indent=2)
            url, secret = endpoint["url"], endpoint["secret"]
        status, error = deliver(url=url, payload=payload, secret=secret)
        with state.lock:
            state.deliveries.append({"event": event_id, "endpoint": endpoint_id, "status": status, "error": error})

    def shutdown(self) -> None:
        super().shutdown()
        self._stopping.set()
        self.save()


def deliver(*, url: str, payload: str, secret: str, timeout: float = 30.0) -> tuple[int, str]:
    """POST one signed event as Stripe does; returns (HTTP status or 0, error text)."""
    request = urllib.request.Request(  # noqa: S310 (the endpoint's own http(s) URL)
        url,
        data=payload.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": sign(payload, secret),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:500].decode(errors="replace")
    except OSError as error:
        return 0, str(error)


def make_server(host: str = "127.0.0.1", port: int = 0, state_path: Path | None = None) -> _PeerHTTPServer:
    """A peer on ``host:port`` (0: a free port); with ``state_path`` its state is kept in that file."""
    return _PeerHTTPServer((host, port), Peer(PeerState()), state_path)
