"""Fanfare's Stripe webhook view: verify, store, acknowledge; a task processes (docs/billing.md).

dj-stripe's own ``ProcessWebhookView`` processes each delivery on the request (re-fetching its
object from Stripe). This view keeps dj-stripe's model and checks and only moves the processing
off the request: in one transaction it stores the delivery (dj-stripe's ``WebhookEventTrigger``,
the webhook log, with headers, body and remote IP), verifies its signature on the raw body
(``WebhookEventTrigger.validate``, the endpoint's tolerance), and, when valid, queues the
processing task through the outbox (``billing.services.webhooks.webhook_event_accept``); then it
answers. A bad signature: 400, the delivery stored with ``valid=False``, nothing queued. A failure
while accepting (the database): nothing stored, 500, and Stripe sends it again.

With ``STRIPE_WEBHOOK_SECRET`` set (production requires it), signatures are checked with it
rather than with the secret kept on the endpoint's row.
"""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from djstripe.models import WebhookEndpoint, WebhookEventTrigger
from djstripe.models.webhooks import get_remote_ip
from djstripe.settings import djstripe_settings

from billing.services.webhooks import webhook_event_accept

logger = logging.getLogger(__name__)


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class WebhookView(View):
    def post(self, request, uuid):
        if "stripe-signature" not in request.headers:
            # As dj-stripe: an unsigned request is not even stored.
            logger.error("Stripe webhook without a Stripe-Signature header")
            return HttpResponseBadRequest()
        endpoint = get_object_or_404(WebhookEndpoint, djstripe_uuid=uuid)
        secret = settings.STRIPE_WEBHOOK_SECRET or endpoint.secret
        try:
            body = request.body.decode(request.encoding or "utf-8")
        except UnicodeDecodeError:
            body = "(error decoding body)"
        trigger = WebhookEventTrigger(
            headers=dict(request.headers),
            body=body,
            remote_ip=get_remote_ip(request),
            stripe_trigger_account_id=endpoint.djstripe_owner_account_id,
            webhook_endpoint=endpoint,
        )
        # Verified before it is stored, so that it is stored once, with its validity (one INSERT).
        api_key = djstripe_settings.get_default_api_key(endpoint.livemode)
        trigger.valid = trigger.validate(secret=secret, api_key=api_key)
        if not trigger.valid:
            trigger.save()
            logger.error("Stripe webhook %s did not validate", trigger.pk)
            return HttpResponseBadRequest()
        with transaction.atomic():
            trigger.save()
            webhook_event_accept(trigger)
        return HttpResponse(str(trigger.id))
