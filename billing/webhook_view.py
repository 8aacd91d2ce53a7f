"""dj-stripe's webhook view, in one transaction.

dj-stripe's ``ProcessWebhookView`` runs outside any transaction so that, when processing fails
on the request, the stored delivery and its exception survive the rollback of the processing.
Fanfare does not process on the request (``DJSTRIPE_WEBHOOK_EVENT_CALLBACK``,
``billing.services.webhooks.webhook_event_accept``): the delivery row, its validity and the
queued processing task commit together, in one commit, before the view answers. A delivery
whose signature is wrong is still stored (``valid=False``) and answered 400; one whose
acceptance fails (the database) is not stored and answered 500, and Stripe sends it again.
"""

from django.db import transaction
from django.utils.decorators import method_decorator
from djstripe.views import ProcessWebhookView


@method_decorator(transaction.atomic, name="post")
class WebhookView(ProcessWebhookView):
    pass
