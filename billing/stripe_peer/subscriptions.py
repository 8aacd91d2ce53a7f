"""The peer's recurring billing: products, prices, subscriptions, invoices (a mixin of ``Peer``).

Shapes follow Stripe's current API (``invoice.parent.subscription_details``, the period on each
subscription item, ``invoice_payment`` objects linking an invoice to its PaymentIntent).
Behaviour follows test mode:

- ``POST /v1/subscriptions`` with ``payment_behavior``: ``allow_incomplete`` (Stripe's default:
  the first invoice is paid at once; a declined card or 3-D Secure leaves the subscription
  ``incomplete`` and its invoice ``open``), ``error_if_incomplete`` (a declined card is a 402 and
  nothing is kept; 3-D Secure still gives an ``incomplete`` subscription) or
  ``default_incomplete`` (nothing is attempted: the client confirms the invoice's PaymentIntent).
  ``trial_period_days``: ``trialing``, a 0 invoice, the first charge at the trial's end.
  Once the invoice's PaymentIntent succeeds (3-D Secure done), the invoice is paid and the
  subscription ``active``.
- ``POST /v1/subscriptions/<id>``: ``items`` (a new price; ``proration_behavior``
  ``always_invoice`` charges or credits the unused time now, ``create_prorations`` leaves the
  proration to the next invoice, ``none`` ignores it), ``cancel_at_period_end``,
  ``pause_collection`` (``""`` to resume collecting), ``default_payment_method``, ``metadata``.
- ``DELETE /v1/subscriptions/<id>``: canceled now.
- ``POST /v1/invoices/<id>/pay``: try an open invoice again (``off_session``, true by default;
  ``payment_method`` to pay with another card).
- An ``incomplete`` subscription whose first invoice is still unpaid 23 hours after it was created
  becomes ``incomplete_expired`` (final): its open invoice is voided and the invoice's
  PaymentIntent cancelled, ``customer.subscription.updated`` tells it. The peer applies the rule
  whenever a subscription is read, listed, updated or its invoice paid.

Test helper (like a test clock): ``POST /_peer/subscriptions/<id>/advance`` moves the
subscription to the end of its period: an ``incomplete`` one ages past the 23 hours and expires;
otherwise it ends (``cancel_at_period_end``), renews without a
charge (collection paused), or renews with an off-session charge (``invoice.paid``, or
``invoice.payment_failed`` and ``past_due``). ``card`` swaps the default card first
(``pm_card_chargeDeclined`` makes the renewal fail).
"""

from __future__ import annotations

import calendar
import copy
from datetime import UTC, datetime
from typing import Any

from billing.stripe_peer import shapes
from billing.stripe_peer.formdata import truthy

DAY = 86_400
# Stripe ends an incomplete subscription (first invoice unpaid) this long after its creation.
INCOMPLETE_EXPIRES_AFTER = 23 * 3_600


def _add_interval(timestamp: int, interval: str, count: int = 1) -> int:
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    if interval == "day":
        return timestamp + DAY * count
    if interval == "week":
        return timestamp + 7 * DAY * count
    months = count * (12 if interval == "year" else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def product_shape(*, name: str, description: str | None, metadata: dict, active: bool = True) -> dict[str, Any]:
    created = shapes.now()
    return {
        "id": shapes.new_id("prod"),
        "object": "product",
        "active": active,
        "created": created,
        "default_price": None,
        "description": description,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": metadata,
        "name": name,
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": None,
        "updated": created,
        "url": None,
    }


def price_shape(
    *, product: str, unit_amount: int, currency: str, interval: str, interval_count: int, metadata: dict, nickname
) -> dict[str, Any]:
    return {
        "id": shapes.new_id("price"),
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": shapes.now(),
        "currency": currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": metadata,
        "nickname": nickname,
        "product": product,
        "recurring": {
            "interval": interval,
            "interval_count": interval_count,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        },
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }


def plan_of(price: dict[str, Any]) -> dict[str, Any]:
    """The legacy ``plan`` view of a recurring price (same id, as Stripe keeps them)."""
    return {
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": price["created"],
        "currency": price["currency"],
        "interval": price["recurring"]["interval"],
        "interval_count": price["recurring"]["interval_count"],
        "livemode": False,
        "metadata": price["metadata"],
        "meter": None,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": "licensed",
    }


class SubscriptionsMixin:
    """Routes of recurring billing; ``server.Peer`` lists them (see ``SUBSCRIPTION_ROUTES``)."""

    state: Any

    def subscription_routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("POST", r"/v1/products", self.product_create),
            ("GET", r"/v1/products", self.product_list),
            ("GET", r"/v1/products/(?P<id>[^/]+)", self.product_get),
            ("POST", r"/v1/products/(?P<id>[^/]+)", self.product_update),
            ("POST", r"/v1/prices", self.price_create),
            ("GET", r"/v1/prices", self.price_list),
            ("GET", r"/v1/prices/(?P<id>[^/]+)", self.price_get),
            ("POST", r"/v1/prices/(?P<id>[^/]+)", self.price_update),
            ("GET", r"/v1/plans/(?P<id>[^/]+)", self.plan_get),
            ("POST", r"/v1/subscriptions", self.subscription_create),
            ("GET", r"/v1/subscriptions", self.subscription_list),
            ("GET", r"/v1/subscriptions/(?P<id>[^/]+)", self.subscription_get),
            ("POST", r"/v1/subscriptions/(?P<id>[^/]+)", self.subscription_update),
            ("DELETE", r"/v1/subscriptions/(?P<id>[^/]+)", self.subscription_cancel),
            ("POST", r"/v1/subscriptions/(?P<id>[^/]+)/resume", self.subscription_resume),
            ("GET", r"/v1/subscription_items/(?P<id>[^/]+)", self.subscription_item_get),
            ("GET", r"/v1/invoices", self.invoice_list),
            ("GET", r"/v1/invoices/(?P<id>[^/]+)", self.invoice_get),
            ("POST", r"/v1/invoices/(?P<id>[^/]+)/pay", self.invoice_pay),
            ("GET", r"/v1/invoice_payments", self.invoice_payment_list),
            ("POST", r"/_peer/subscriptions/(?P<id>[^/]+)/advance", self.helper_subscription_advance),
        ]

    # -- products and prices ------------------------------------------------------------------
    def _required(self, params: dict[str, Any], name: str) -> Any:
        from billing.stripe_peer.server import StripeError

        if params.get(name) in (None, ""):
            raise StripeError(
                400, "invalid_request_error", f"Missing required param: {name}.", code="parameter_missing", param=name
            )
        return params[name]

    def product_create(self, params):
        obj = product_shape(
            name=self._required(params, "name"),
            description=params.get("description") or None,
            metadata=self._metadata(params),
        )
        self.state.put(obj)
        self.state.emit("product.created", obj)
        return obj

    def product_list(self, params):
        filters = {"active": truthy(params["active"])} if "active" in params else {}
        return self.paginate(self.state.of_kind("product", **filters), params, "/v1/products")

    def product_get(self, params, id):
        return self.state.get(id, "product")

    def product_update(self, params, id):
        obj = self.state.get(id, "product")
        previous: dict[str, Any] = {}
        for field in ("name", "description", "default_price"):
            if field in params:
                previous[field] = obj[field]
                obj[field] = params[field] or None
        if "active" in params:
            previous["active"] = obj["active"]
            obj["active"] = truthy(params["active"])
        if "metadata" in params:
            previous["metadata"] = obj["metadata"]
            obj["metadata"] = {**obj["metadata"], **self._metadata(params)}
        obj["updated"] = shapes.now()
        self.state.emit("product.updated", obj, previous)
        return obj

    def price_create(self, params):
        from billing.stripe_peer.server import StripeError

        product = self.state.get(self._required(params, "product"), "product", "product")
        try:
            amount = int(self._required(params, "unit_amount"))
        except ValueError:
            raise StripeError(
                400, "invalid_request_error", "Invalid integer: unit_amount", param="unit_amount"
            ) from None
        currency = str(self._required(params, "currency")).lower()
        recurring = params.get("recurring") or {}
        interval = recurring.get("interval") if isinstance(recurring, dict) else None
        if interval not in {"day", "week", "month", "year"}:
            raise StripeError(
                400,
                "invalid_request_error",
                "The local Stripe peer supports recurring prices only (recurring[interval]: day to year).",
                param="recurring[interval]",
            )
        obj = price_shape(
            product=product["id"],
            unit_amount=amount,
            currency=currency,
            interval=interval,
            interval_count=int(recurring.get("interval_count", 1)),
            metadata=self._metadata(params),
            nickname=params.get("nickname") or None,
        )
        self.state.put(obj)
        self.state.emit("price.created", obj)
        return obj

    def price_list(self, params):
        filters: dict[str, Any] = {"product": params["product"]} if "product" in params else {}
        if "active" in params:
            filters["active"] = truthy(params["active"])
        return self.paginate(self.state.of_kind("price", **filters), params, "/v1/prices")

    def price_get(self, params, id):
        return self.state.get(id, "price")

    def price_update(self, params, id):
        obj = self.state.get(id, "price")
        previous: dict[str, Any] = {}
        if "active" in params:
            previous["active"] = obj["active"]
            obj["active"] = truthy(params["active"])
        if "nickname" in params:
            previous["nickname"] = obj["nickname"]
            obj["nickname"] = params["nickname"] or None
        if "metadata" in params:
            previous["metadata"] = obj["metadata"]
            obj["metadata"] = {**obj["metadata"], **self._metadata(params)}
        self.state.emit("price.updated", obj, previous)
        return obj

    def plan_get(self, params, id):
        return plan_of(self.state.get(id, "price"))

    # -- subscriptions ------------------------------------------------------------------------
    def _item(self, *, subscription_id: str, price: dict[str, Any], start: int, end: int) -> dict[str, Any]:
        return {
            "id": shapes.new_id("si"),
            "object": "subscription_item",
            "billing_thresholds": None,
            "created": shapes.now(),
            "current_period_end": end,
            "current_period_start": start,
            "discounts": [],
            "metadata": {},
            "plan": plan_of(price),
            "price": copy.deepcopy(price),
            "quantity": 1,
            "subscription": subscription_id,
            "tax_rates": [],
        }

    def _subscription_shape(self, *, customer: str, price: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        created = shapes.now()
        subscription_id = shapes.new_id("sub")
        trial_days = int(params.get("trial_period_days") or 0)
        trial_end = created + trial_days * DAY if trial_days else None
        recurring = price["recurring"]
        end = trial_end or _add_interval(created, recurring["interval"], recurring["interval_count"])
        return {
            "id": subscription_id,
            "object": "subscription",
            "application": None,
            "application_fee_percent": None,
            "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
            "billing_cycle_anchor": end if trial_end else created,
            "billing_cycle_anchor_config": None,
            "billing_mode": {"type": "classic"},
            "billing_thresholds": None,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": "charge_automatically",
            "created": created,
            "currency": price["currency"],
            "customer": customer,
            "customer_account": None,
            "days_until_due": None,
            "default_payment_method": params.get("default_payment_method") or None,
            "default_source": None,
            "default_tax_rates": [],
            "description": params.get("description") or None,
            "discounts": [],
            "ended_at": None,
            "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
            "items": shapes.list_of(
                [self._item(subscription_id=subscription_id, price=price, start=created, end=end)],
                f"/v1/subscription_items?subscription={subscription_id}",
            ),
            "latest_invoice": None,
            "livemode": False,
            "metadata": self._metadata(params),
            "next_pending_invoice_item_invoice": None,
            "on_behalf_of": None,
            "pause_collection": None,
            "payment_settings": {
                "payment_method_options": None,
                "payment_method_types": None,
                "save_default_payment_method": "off",
            },
            "pending_invoice_item_interval": None,
            "pending_setup_intent": None,
            "pending_update": None,
            "schedule": None,
            "start_date": created,
            "status": "trialing" if trial_end else "incomplete",
            "test_clock": None,
            "transfer_data": None,
            "trial_end": trial_end,
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
            "trial_start": created if trial_end else None,
        }

    def _price_for(self, params: dict[str, Any]) -> dict[str, Any]:
        from billing.stripe_peer.server import StripeError

        items = params.get("items") or []
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
            raise StripeError(
                400, "invalid_request_error", "The local Stripe peer takes exactly one item.", param="items"
            )
        price = self.state.get(items[0].get("price", ""), "price", "items[0][price]")
        if not price["active"]:
            raise StripeError(
                400,
                "invalid_request_error",
                f"The price specified ({price['id']}) is inactive. This field only accepts active prices.",
                param="items[0][price]",
            )
        return price

    def _default_payment_method(self, subscription: dict[str, Any]) -> str | None:
        customer = self.state.objects.get(subscription["customer"]) or {}
        return subscription["default_payment_method"] or (customer.get("invoice_settings") or {}).get(
            "default_payment_method"
        )

    def subscription_create(self, params):
        from billing.stripe_peer.server import StripeError

        customer = self.state.get(self._required(params, "customer"), "customer", "customer")
        price = self._price_for(params)
        behavior = params.get("payment_behavior") or "allow_incomplete"
        if params.get("default_payment_method"):
            pm = self._payment_method_for(params["default_payment_method"], "default_payment_method")
            if pm["customer"] != customer["id"]:
                raise StripeError(
                    400,
                    "invalid_request_error",
                    "The customer does not have a payment method with the ID "
                    f"{params['default_payment_method']}. The payment method must be attached to the customer.",
                    code="resource_missing",
                    param="default_payment_method",
                )
            params = {**params, "default_payment_method": pm["id"]}
        subscription = self._subscription_shape(customer=customer["id"], price=price, params=params)
        item = subscription["items"]["data"][0]
        trialing = subscription["status"] == "trialing"
        amount = 0 if trialing else price["unit_amount"]
        invoice = self._invoice(
            subscription,
            reason="subscription_create",
            lines=[(amount, f"1 x {price['nickname'] or 'membership'}", item, False)],
            start=item["current_period_start"],
            end=item["current_period_start"],
        )
        subscription["latest_invoice"] = invoice["id"]
        pm_id = self._default_payment_method(subscription)
        if amount and not pm_id and behavior != "default_incomplete":
            raise StripeError(
                400,
                "invalid_request_error",
                "This customer has no attached payment source or default payment method.",
                code="resource_missing",
            )
        if behavior == "error_if_incomplete" and amount:
            self._precheck_card(pm_id)
        self.state.put(subscription)
        self.state.put(invoice)
        self.state.emit("customer.subscription.created", subscription)
        self.state.emit("invoice.created", invoice)
        self._finalize(invoice)
        if not amount:
            self._invoice_mark_paid(invoice, intent=None)
        elif behavior != "default_incomplete":
            self._invoice_attempt(invoice, pm_id=pm_id, off_session=False, return_url=params.get("return_url"))
        return subscription

    def _precheck_card(self, pm_id: str | None) -> None:
        """``error_if_incomplete``: a card that will be declined is a 402 before anything changes."""
        from billing.stripe_peer.server import StripeError

        number = self.state.card_numbers.get(pm_id or "", "")
        outcome = shapes.TEST_CARDS.get(number, ("visa", "ok"))[1]
        if outcome.startswith("decline:"):
            _, code, decline_code = outcome.split(":")
            raise StripeError(
                402, "card_error", shapes.DECLINE_MESSAGES[decline_code], code=code, decline_code=decline_code, param=""
            )

    def subscription_list(self, params):
        for subscription in self.state.of_kind("subscription", status="incomplete"):
            self._expire_if_due(subscription)
        filters = {key: params[key] for key in ("customer", "status") if key in params}
        return self.paginate(self.state.of_kind("subscription", **filters), params, "/v1/subscriptions")

    def subscription_get(self, params, id):
        return self._expire_if_due(self.state.get(id, "subscription"))

    def _expire_if_due(self, subscription: dict[str, Any]) -> dict[str, Any]:
        """Stripe's rule: ``incomplete`` for 23 hours (the first invoice never paid, e.g. 3-D Secure
        left waiting) ends as ``incomplete_expired``, its open invoice voided and the invoice's
        PaymentIntent cancelled."""
        now = shapes.now()
        if subscription["status"] != "incomplete" or subscription["created"] + INCOMPLETE_EXPIRES_AFTER > now:
            return subscription
        previous = {"status": subscription["status"]}
        subscription.update(status="incomplete_expired", ended_at=now)
        for invoice in self.state.of_kind("invoice", status="open"):
            if self._subscription_of(invoice) == subscription["id"]:
                intent = self._latest_intent(invoice)
                if intent is not None and intent["status"] not in {"succeeded", "canceled"}:
                    intent.update(status="canceled", cancellation_reason="void_invoice", canceled_at=now)
                    self.state.emit("payment_intent.canceled", intent)
                invoice["status"] = "void"
                invoice["status_transitions"]["voided_at"] = now
                self.state.emit("invoice.voided", invoice)
        self.state.emit("customer.subscription.updated", subscription, previous)
        return subscription

    def subscription_item_get(self, params, id):
        for subscription in self.state.of_kind("subscription"):
            for item in subscription["items"]["data"]:
                if item["id"] == id:
                    return item
        from billing.stripe_peer.server import _missing

        raise _missing("subscription_item", id)

    def _check_open(self, subscription: dict[str, Any]) -> None:
        from billing.stripe_peer.server import StripeError

        if subscription["status"] in {"canceled", "incomplete_expired"}:
            raise StripeError(
                400,
                "invalid_request_error",
                "A canceled subscription can only update its cancellation_details and metadata.",
                code="resource_missing",
            )

    def subscription_update(self, params, id):
        self._expire_if_due(self.state.get(id, "subscription"))
        subscription = self.state.get(id, "subscription")
        previous: dict[str, Any] = {}
        if set(params) - {"metadata", "expand", "cancellation_details"}:
            self._check_open(subscription)
        if "metadata" in params:
            previous["metadata"] = subscription["metadata"]
            subscription["metadata"] = {**subscription["metadata"], **self._metadata(params)}
        if "default_payment_method" in params:
            previous["default_payment_method"] = subscription["default_payment_method"]
            pm_id = params["default_payment_method"] or None
            if pm_id:
                pm_id = self._payment_method_for(pm_id, "default_payment_method")["id"]
            subscription["default_payment_method"] = pm_id
        if "cancel_at_period_end" in params:
            previous["cancel_at_period_end"] = subscription["cancel_at_period_end"]
            previous["cancel_at"] = subscription["cancel_at"]
            previous["canceled_at"] = subscription["canceled_at"]
            cancel = truthy(params["cancel_at_period_end"])
            subscription["cancel_at_period_end"] = cancel
            subscription["cancel_at"] = subscription["items"]["data"][0]["current_period_end"] if cancel else None
            subscription["canceled_at"] = shapes.now() if cancel else None
            subscription["cancellation_details"]["reason"] = "cancellation_requested" if cancel else None
        if "pause_collection" in params:
            previous["pause_collection"] = subscription["pause_collection"]
            pause = params["pause_collection"]
            if isinstance(pause, dict) and pause.get("behavior"):
                subscription["pause_collection"] = {
                    "behavior": pause["behavior"],
                    "resumes_at": int(pause["resumes_at"]) if pause.get("resumes_at") else None,
                }
            else:
                subscription["pause_collection"] = None
        invoice = None
        if "items" in params:
            if params.get("payment_behavior") == "error_if_incomplete":
                self._precheck_card(self._default_payment_method(subscription))
            invoice = self._change_price(subscription, params, previous)
        self.state.emit("customer.subscription.updated", subscription, previous)
        if invoice is not None:
            self._finalize(invoice)
            if invoice["amount_due"] > 0:
                self._invoice_attempt(invoice, pm_id=self._default_payment_method(subscription), off_session=False)
            else:
                self._invoice_mark_paid(invoice, intent=None)
        return subscription

    def _change_price(self, subscription, params, previous) -> dict[str, Any] | None:
        """A new price on the one item; the unused time of the old price and the rest of the
        period at the new one, prorated to the second, as Stripe does."""
        from billing.stripe_peer.server import StripeError

        new_price = self._price_for(params)
        item = subscription["items"]["data"][0]
        requested = params["items"][0]
        if requested.get("id") and requested["id"] != item["id"]:
            raise StripeError(
                400, "invalid_request_error", f"No such subscription item: '{requested['id']}'", param="items[0][id]"
            )
        old_price = item["price"]
        if new_price["currency"] != old_price["currency"]:
            raise StripeError(
                400, "invalid_request_error", "The price's currency must match the subscription's.", param="items"
            )
        previous["items"] = copy.deepcopy(subscription["items"])
        item["price"], item["plan"] = copy.deepcopy(new_price), plan_of(new_price)
        behavior = params.get("proration_behavior") or "create_prorations"
        if behavior == "none" or subscription["status"] == "trialing":
            return None
        now = shapes.now()
        start, end = item["current_period_start"], item["current_period_end"]
        remaining = max(0, end - max(now, start))
        length = max(1, end - start)
        unused = -(old_price["unit_amount"] * remaining // length)
        rest = new_price["unit_amount"] * remaining // length
        lines = [
            (unused, f"Unused time on {old_price['nickname'] or old_price['id']}", item, True),
            (rest, f"Remaining time on {new_price['nickname'] or new_price['id']}", item, True),
        ]
        if behavior == "create_prorations":
            # The proration waits for the next invoice, as the customer's balance.
            customer = self.state.objects[subscription["customer"]]
            customer["balance"] += unused + rest
            return None
        invoice = self._invoice(subscription, reason="subscription_update", lines=lines, start=now, end=now)
        self.state.put(invoice)
        subscription["latest_invoice"] = invoice["id"]
        self.state.emit("invoice.created", invoice)
        return invoice

    def subscription_cancel(self, params, id):
        subscription = self.state.get(id, "subscription")
        self._check_open(subscription)
        self._end(subscription, reason="cancellation_requested")
        return subscription

    def _end(self, subscription: dict[str, Any], *, reason: str) -> None:
        now = shapes.now()
        previous = {"status": subscription["status"]}
        subscription.update(status="canceled", ended_at=now, canceled_at=subscription["canceled_at"] or now)
        subscription["cancellation_details"]["reason"] = reason
        for invoice in self.state.of_kind("invoice", status="open"):
            if self._subscription_of(invoice) == subscription["id"]:
                invoice["status"] = "void"
                invoice["status_transitions"]["voided_at"] = now
                self.state.emit("invoice.voided", invoice)
        self.state.emit("customer.subscription.deleted", subscription, previous)

    def subscription_resume(self, params, id):
        """Stripe's resume of a paused subscription (``pause_collection`` is lifted the same way)."""
        subscription = self.state.get(id, "subscription")
        self._check_open(subscription)
        previous = {"pause_collection": subscription["pause_collection"], "status": subscription["status"]}
        subscription["pause_collection"] = None
        if subscription["status"] == "paused":
            subscription["status"] = "active"
            self.state.emit("customer.subscription.resumed", subscription, previous)
        self.state.emit("customer.subscription.updated", subscription, previous)
        return subscription

    # -- invoices -----------------------------------------------------------------------------
    def _subscription_of(self, invoice: dict[str, Any]) -> str | None:
        parent = invoice.get("parent") or {}
        return ((parent.get("subscription_details") or {}).get("subscription")) or None

    def _invoice(self, subscription, *, reason: str, lines, start: int, end: int) -> dict[str, Any]:
        invoice_id = shapes.new_id("in")
        customer = self.state.objects[subscription["customer"]]
        line_items = []
        for amount, description, item, proration in lines:
            line_items.append(
                {
                    "id": shapes.new_id("il"),
                    "object": "line_item",
                    "amount": amount,
                    "currency": subscription["currency"],
                    "description": description,
                    "discount_amounts": [],
                    "discountable": not proration,
                    "discounts": [],
                    "invoice": invoice_id,
                    "livemode": False,
                    "metadata": {},
                    "parent": {
                        "invoice_item_details": None,
                        "subscription_item_details": {
                            "invoice_item": None,
                            "proration": proration,
                            "proration_details": {"credited_items": None},
                            "subscription": subscription["id"],
                            "subscription_item": item["id"],
                        },
                        "type": "subscription_item_details",
                    },
                    "period": {"end": item["current_period_end"], "start": item["current_period_start"]},
                    "pretax_credit_amounts": [],
                    "pricing": {
                        "price_details": {"price": item["price"]["id"], "product": item["price"]["product"]},
                        "type": "price_details",
                        "unit_amount_decimal": str(item["price"]["unit_amount"]),
                    },
                    "quantity": 1,
                    "subscription": subscription["id"],
                    "subtotal": amount,
                    "taxes": [],
                }
            )
        total = sum(line["amount"] for line in line_items)
        starting_balance = customer["balance"]
        due = max(0, total + starting_balance)
        ending_balance = min(0, total + starting_balance)
        customer["balance"] = ending_balance
        created = shapes.now()
        return {
            "id": invoice_id,
            "object": "invoice",
            "account_country": "US",
            "account_name": "Fanfare (local Stripe peer)",
            "account_tax_ids": None,
            "amount_due": due,
            "amount_overpaid": 0,
            "amount_paid": 0,
            "amount_remaining": due,
            "amount_shipping": 0,
            "application": None,
            "attempt_count": 0,
            "attempted": False,
            "auto_advance": True,
            "automatic_tax": {
                "disabled_reason": None,
                "enabled": False,
                "liability": None,
                "provider": None,
                "status": None,
            },
            "automatically_finalizes_at": None,
            "billing_reason": reason,
            "collection_method": "charge_automatically",
            "confirmation_secret": None,
            "created": created,
            "currency": subscription["currency"],
            "custom_fields": None,
            "customer": customer["id"],
            "customer_account": None,
            "customer_address": None,
            "customer_email": customer["email"],
            "customer_name": customer["name"],
            "customer_phone": None,
            "customer_shipping": None,
            "customer_tax_exempt": "none",
            "customer_tax_ids": [],
            "default_payment_method": None,
            "default_source": None,
            "default_tax_rates": [],
            "description": None,
            "discounts": [],
            "due_date": None,
            "effective_at": None,
            "ending_balance": None,
            "footer": None,
            "from_invoice": None,
            "hosted_invoice_url": f"https://invoice.stripe.com/i/{invoice_id}",
            "invoice_pdf": f"https://pay.stripe.com/invoice/{invoice_id}/pdf",
            "issuer": {"type": "self"},
            "last_finalization_error": None,
            "latest_revision": None,
            "lines": shapes.list_of(line_items, f"/v1/invoices/{invoice_id}/lines"),
            "livemode": False,
            "metadata": {},
            "next_payment_attempt": None,
            "number": None,
            "on_behalf_of": None,
            "parent": {
                "quote_details": None,
                "subscription_details": {
                    "metadata": copy.deepcopy(subscription["metadata"]),
                    "subscription": subscription["id"],
                },
                "type": "subscription_details",
            },
            "payment_settings": {"default_mandate": None, "payment_method_options": None, "payment_method_types": None},
            "period_end": end,
            "period_start": start,
            "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0,
            "receipt_number": None,
            "rendering": None,
            "shipping_cost": None,
            "shipping_details": None,
            "starting_balance": starting_balance,
            "statement_descriptor": None,
            "status": "draft",
            "status_transitions": {
                "finalized_at": None,
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
            "subtotal": total,
            "subtotal_excluding_tax": total,
            "test_clock": None,
            "total": total,
            "total_discount_amounts": [],
            "total_excluding_tax": total,
            "total_pretax_credit_amounts": [],
            "total_taxes": [],
            "webhooks_delivered_at": created,
        }

    def _finalize(self, invoice: dict[str, Any]) -> None:
        invoice["status"] = "open"
        customer = self.state.objects[invoice["customer"]]
        invoice["number"] = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
        customer["next_invoice_sequence"] += 1
        invoice["ending_balance"] = min(0, invoice["total"] + invoice["starting_balance"])
        invoice["status_transitions"]["finalized_at"] = shapes.now()
        invoice["effective_at"] = shapes.now()
        self.state.emit("invoice.finalized", invoice)

    def _invoice_payment(self, invoice: dict[str, Any], intent: dict[str, Any]) -> dict[str, Any]:
        record = {
            "id": shapes.new_id("inpay"),
            "object": "invoice_payment",
            "amount_paid": None,
            "amount_requested": invoice["amount_due"],
            "created": shapes.now(),
            "currency": invoice["currency"],
            "invoice": invoice["id"],
            "is_default": True,
            "livemode": False,
            "payment": {"payment_intent": intent["id"], "type": "payment_intent"},
            "status": "open",
            "status_transitions": {"canceled_at": None, "paid_at": None},
        }
        for older in self.state.of_kind("invoice_payment", invoice=invoice["id"]):
            older["is_default"] = False
        self.state.put(record)
        return record

    def _invoice_attempt(self, invoice, *, pm_id: str | None, off_session: bool, return_url: str | None = None):
        """Charge an open invoice: a new PaymentIntent (attempts after a decline reuse it)."""
        from billing.stripe_peer.server import StripeError

        intent = None
        for record in self.state.of_kind("invoice_payment", invoice=invoice["id"]):
            candidate = self.state.objects.get(record["payment"]["payment_intent"])
            if candidate and candidate["status"] in {"requires_payment_method", "requires_action"}:
                intent = candidate
                break
        if intent is None:
            intent = shapes.payment_intent(
                amount=invoice["amount_due"],
                currency=invoice["currency"],
                customer_id=invoice["customer"],
                metadata={},
                description={
                    "subscription_create": "Subscription creation",
                    "subscription_update": "Subscription update",
                }.get(invoice["billing_reason"], "Subscription cycle"),
            )
            self.state.put(intent)
            self._invoice_payment(invoice, intent)
            invoice["confirmation_secret"] = {"client_secret": intent["client_secret"], "type": "payment_intent"}
            self.state.emit("payment_intent.created", intent)
        invoice["attempted"] = True
        invoice["attempt_count"] += 1
        if not pm_id:
            self._invoice_failed(invoice, intent)
            return
        params: dict[str, Any] = {"payment_method": pm_id, "off_session": "true" if off_session else "false"}
        if return_url:
            params["return_url"] = return_url
        try:
            self.payment_intent_confirm(params, intent["id"])
        except StripeError:
            self._invoice_failed(invoice, intent)
            return
        if intent["status"] == "requires_action":
            self.state.emit("invoice.payment_action_required", invoice)
            self._subscription_status_after_attempt(invoice, paid=False)

    def _invoice_failed(self, invoice: dict[str, Any], intent: dict[str, Any]) -> None:
        subscription = self.state.objects.get(self._subscription_of(invoice) or "")
        invoice["next_payment_attempt"] = (
            shapes.now() + 3 * DAY if invoice["billing_reason"] == "subscription_cycle" else None
        )
        self.state.emit("invoice.payment_failed", invoice)
        if subscription is not None:
            self._subscription_status_after_attempt(invoice, paid=False)

    def _subscription_status_after_attempt(self, invoice: dict[str, Any], *, paid: bool) -> None:
        subscription = self.state.objects.get(self._subscription_of(invoice) or "")
        if subscription is None or subscription["status"] == "canceled":
            return
        previous_status = subscription["status"]
        if paid:
            if previous_status in {"incomplete", "past_due", "unpaid"} or (
                previous_status == "trialing" and invoice["billing_reason"] == "subscription_cycle"
            ):
                subscription["status"] = "active"
        elif invoice["billing_reason"] == "subscription_cycle":
            subscription["status"] = "past_due"
        if subscription["status"] != previous_status:
            self.state.emit("customer.subscription.updated", subscription, {"status": previous_status})

    def invoice_intent_succeeded(self, intent: dict[str, Any]) -> None:
        """Called by ``Peer._payment_succeed``: an invoice's PaymentIntent that succeeds pays it."""
        for record in self.state.of_kind("invoice_payment"):
            if record["payment"]["payment_intent"] == intent["id"] and record["status"] == "open":
                invoice = self.state.objects.get(record["invoice"])
                if invoice is not None and invoice["status"] == "open":
                    self._invoice_mark_paid(invoice, intent=intent)

    def _invoice_mark_paid(self, invoice: dict[str, Any], *, intent: dict[str, Any] | None) -> None:
        now = shapes.now()
        invoice.update(
            status="paid",
            amount_paid=invoice["amount_due"],
            amount_remaining=0,
            next_payment_attempt=None,
            attempted=True,
        )
        invoice["status_transitions"]["paid_at"] = now
        invoice["receipt_number"] = invoice["number"]
        if intent is not None:
            for record in self.state.of_kind("invoice_payment", invoice=invoice["id"]):
                if record["payment"]["payment_intent"] == intent["id"]:
                    record.update(status="paid", amount_paid=intent["amount"])
                    record["status_transitions"]["paid_at"] = now
        self.state.emit("invoice.paid", invoice)
        self.state.emit("invoice.payment_succeeded", invoice)
        self._subscription_status_after_attempt(invoice, paid=True)

    def invoice_list(self, params):
        found = self.state.of_kind("invoice", **{k: params[k] for k in ("customer", "status") if k in params})
        if "subscription" in params:
            found = [invoice for invoice in found if self._subscription_of(invoice) == params["subscription"]]
        return self.paginate(found, params, "/v1/invoices")

    def invoice_get(self, params, id):
        invoice = copy.deepcopy(self.state.get(id, "invoice"))
        if "payments" in (params.get("expand") or []):
            invoice["payments"] = shapes.list_of(
                self.state.of_kind("invoice_payment", invoice=id), f"/v1/invoices/{id}/payments"
            )
        return invoice

    def invoice_payment_list(self, params):
        found = self.state.of_kind("invoice_payment", **({"invoice": params["invoice"]} if "invoice" in params else {}))
        if "payment" in params and isinstance(params["payment"], dict):
            wanted = params["payment"].get("payment_intent")
            found = [record for record in found if record["payment"].get("payment_intent") == wanted]
        return self.paginate(found, params, "/v1/invoice_payments")

    def invoice_pay(self, params, id):
        from billing.stripe_peer.server import StripeError

        invoice = self.state.get(id, "invoice")
        if self.state.objects.get(self._subscription_of(invoice) or ""):
            self._expire_if_due(self.state.objects[self._subscription_of(invoice)])
        if invoice["status"] != "open":
            raise StripeError(
                400, "invalid_request_error", f"Invoice is already {invoice['status']}.", code="invoice_not_open"
            )
        subscription = self.state.objects.get(self._subscription_of(invoice) or "") or {
            "default_payment_method": None,
            "customer": invoice["customer"],
        }
        pm_id = params.get("payment_method") or self._default_payment_method(subscription)
        if pm_id:
            pm_id = self._payment_method_for(pm_id)["id"]
        self._invoice_attempt(invoice, pm_id=pm_id, off_session=truthy(params.get("off_session", "true")))
        if invoice["status"] != "paid":
            intent = self._latest_intent(invoice)
            error = (intent or {}).get("last_payment_error") or {}
            raise StripeError(
                402,
                "card_error",
                error.get("message", "Your card was declined."),
                code=error.get("code", "card_declined"),
                decline_code=error.get("decline_code"),
                payment_intent=copy.deepcopy(intent),
            )
        return invoice

    def _latest_intent(self, invoice: dict[str, Any]) -> dict[str, Any] | None:
        records = self.state.of_kind("invoice_payment", invoice=invoice["id"])
        return self.state.objects.get(records[0]["payment"]["payment_intent"]) if records else None

    # -- test clock ---------------------------------------------------------------------------
    def helper_subscription_advance(self, params, id):
        """The subscription's period ends now: cancel, renew unpaid (paused), or renew and charge."""
        subscription = self.state.get(id, "subscription")
        self._check_open(subscription)
        if subscription["status"] == "incomplete":
            subscription["created"] -= INCOMPLETE_EXPIRES_AFTER  # 23 hours pass
            return self._expire_if_due(subscription)
        if params.get("card"):
            pm = self._payment_method_for(params["card"])
            pm["customer"] = subscription["customer"]
            subscription["default_payment_method"] = pm["id"]
        item = subscription["items"]["data"][0]
        if subscription["cancel_at_period_end"]:
            self._end(subscription, reason="cancellation_requested")
            return subscription
        previous = {
            "items": copy.deepcopy(subscription["items"]),
            "status": subscription["status"],
            "latest_invoice": subscription["latest_invoice"],
        }
        recurring = item["price"]["recurring"]
        start = item["current_period_end"]
        item["current_period_start"] = start
        item["current_period_end"] = _add_interval(start, recurring["interval"], recurring["interval_count"])
        if subscription["status"] == "trialing":
            subscription["status"] = "active" if subscription["pause_collection"] else subscription["status"]
        if subscription["pause_collection"]:
            self.state.emit("customer.subscription.updated", subscription, previous)
            return subscription
        invoice = self._invoice(
            subscription,
            reason="subscription_cycle",
            lines=[(item["price"]["unit_amount"], f"1 x {item['price']['nickname'] or 'membership'}", item, False)],
            start=start,
            end=start,
        )
        self.state.put(invoice)
        subscription["latest_invoice"] = invoice["id"]
        self.state.emit("customer.subscription.updated", subscription, previous)
        self.state.emit("invoice.created", invoice)
        self._finalize(invoice)
        if invoice["amount_due"] == 0:
            self._invoice_mark_paid(invoice, intent=None)
        else:
            self._invoice_attempt(invoice, pm_id=self._default_payment_method(subscription), off_session=True)
        return subscription
