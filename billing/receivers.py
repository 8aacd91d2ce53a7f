"""dj-stripe's documented hook (``djstripe_receiver``): one thin receiver per kind of event.

The project's only signal receivers, because this is the library's interface. They run inside
dj-stripe's transaction for the event (a failure rolls it back and the delivery is retried), and
call one billing service each; the services are idempotent, so a replay changes nothing.
"""

from djstripe.event_handlers import djstripe_receiver

from billing.services import memberships, webhooks


@djstripe_receiver([*webhooks.PAYMENT_EVENTS, "refund.created", "refund.updated"])
def payment_event(sender, event, **kwargs):
    webhooks.payment_event_handle(event_type=event.type, obj=event.data.get("object", {}))


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
