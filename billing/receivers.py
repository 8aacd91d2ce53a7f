"""dj-stripe's documented hook (``djstripe_receiver``): one thin receiver per kind of event.

The project's only signal receivers, because this is the library's interface. They run inside
dj-stripe's transaction for the event (a failure rolls it back and the delivery is retried), and
call one billing service each; the services are idempotent, so a replay changes nothing.
"""

from djstripe import event_handlers as djstripe_handlers
from djstripe.event_handlers import djstripe_receiver
from djstripe.models import Account, Event
from djstripe.models.base import StripeModel
from djstripe.signals import WEBHOOK_SIGNALS

from billing.services import memberships, webhooks

# dj-stripe's own handlers for the payment objects' events re-fetch the object from Stripe for
# every event and sync its mirror from that. Billing reads Stripe's current state of each payment
# once per batch of deliveries anyway, so for these events the mirror is synced from that read
# (``mirror_sync_from_batch``), and dj-stripe's handler, re-fetching, runs only for an object the
# read does not hold. Same order as before: the mirror first, then billing's service.
_DJSTRIPE_MIRROR_HANDLERS = {
    "payment_intent": djstripe_handlers.handle_other_event,
    "charge": djstripe_handlers.handle_charge_event,
    "dispute": djstripe_handlers.handle_charge_dispute_event,
}
for _type in webhooks.PAYMENT_EVENTS:
    for _handler in _DJSTRIPE_MIRROR_HANDLERS.values():
        WEBHOOK_SIGNALS[_type].disconnect(_handler, sender=Event)


# dj-stripe looks up the owner account of its API key (a savepoint and two queries) for every
# object it syncs, the Event row included; in a batch of deliveries it is looked up once.
_owner_account_lookup = Account.get_or_retrieve_for_api_key.__func__


def _owner_account_for_api_key(cls, api_key: str):
    return webhooks.owner_account_for_api_key(api_key, lambda key: _owner_account_lookup(cls, key))


Account.get_or_retrieve_for_api_key = classmethod(_owner_account_for_api_key)

# dj-stripe looks up (or makes) the row each foreign key of a synced object refers to, one query (and
# a savepoint and an insert) per key per object; in a batch of deliveries the rows are read in bulk
# first and each looked up once (``webhooks.related_get_or_create``).
_related_lookup = StripeModel._get_or_create_from_stripe_object.__func__


def _get_or_create_from_stripe_object(cls, data, field_name="id", *args, **kwargs):
    return webhooks.related_get_or_create(
        cls, data, field_name, lambda: _related_lookup(cls, data, field_name, *args, **kwargs)
    )


StripeModel._get_or_create_from_stripe_object = classmethod(_get_or_create_from_stripe_object)


@djstripe_receiver([*webhooks.PAYMENT_EVENTS, *webhooks.REFUND_EVENTS])
def payment_event(sender, event, **kwargs):
    if webhooks.event_covered(event_id=event.id):
        return  # older than its payment's last full read, which saw what it announces: logged only
    obj = event.data.get("object", {})
    if event.type in webhooks.PAYMENT_EVENTS and not webhooks.mirror_sync_from_batch(
        obj=obj, api_key=webhooks.event_api_key(event)
    ):
        handler = _DJSTRIPE_MIRROR_HANDLERS.get(obj.get("object"))
        if handler is not None:
            handler(sender=sender, event=event, **kwargs)
    webhooks.payment_event_handle(event_type=event.type, obj=obj)


@djstripe_receiver(webhooks.CUSTOMER_EVENTS)
def customer_event(sender, event, **kwargs):
    webhooks.customer_event_handle(event_type=event.type, obj=event.data.get("object", {}))


@djstripe_receiver(webhooks.SUBSCRIPTION_EVENTS)
def subscription_event(sender, event, **kwargs):
    memberships.subscription_event_handle(event_type=event.type, obj=event.data.get("object", {}))


@djstripe_receiver(webhooks.INVOICE_EVENTS)
def invoice_event(sender, event, **kwargs):
    memberships.invoice_event_handle(event_type=event.type, obj=event.data.get("object", {}))


@djstripe_receiver(webhooks.CONNECT_EVENTS)
def connect_event(sender, event, **kwargs):
    webhooks.connect_event_handle(event_type=event.type, obj=event.data.get("object", {}))
