"""``manage.py stripe_peer``: the local Stripe peer (billing.stripe_peer), for `make run` without keys."""

import signal
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from billing.stripe_peer import make_server


class Command(BaseCommand):
    help = (
        "Serve the local Stripe peer (Stripe's HTTP API in memory, signed webhooks) on "
        "STRIPE_PEER_HOST:STRIPE_PEER_PORT, and register Fanfare's webhook endpoint on it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.STRIPE_PEER_HOST)
        parser.add_argument("--port", type=int, default=settings.STRIPE_PEER_PORT)
        parser.add_argument(
            "--state-file",
            default=str(settings.STRIPE_PEER_STATE_FILE),
            help="Where the peer keeps its objects between runs (empty: in memory only).",
        )
        parser.add_argument(
            "--webhook-base-url",
            default=settings.SITE_URL,
            help="Fanfare's base URL the peer delivers webhooks to (default SITE_URL); empty: none.",
        )

    def handle(self, *args, host: str, port: int, state_file: str, webhook_base_url: str, **options):
        if not settings.STRIPE_USES_PEER:
            self.stdout.write("STRIPE_SECRET_KEY is set: Fanfare talks to Stripe, no local peer started")
            return
        server = make_server(host, port, Path(state_file) if state_file else None)
        thread = threading.Thread(target=server.serve_forever, name="stripe-peer", daemon=True)
        thread.start()
        self.stdout.write(f"local Stripe peer on http://{host}:{server.server_address[1]}")
        if webhook_base_url:
            from billing.services.webhooks import webhook_endpoint_register

            endpoint = webhook_endpoint_register(base_url=webhook_base_url)
            self.stdout.write(f"webhooks go to {endpoint.url}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.is_set():
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
            server.server_close()
