from django.core.management.base import BaseCommand

from billing.services.webhooks import webhook_endpoint_kept, webhook_endpoint_register


class Command(BaseCommand):
    help = "Register Fanfare's webhook endpoint at Stripe (STRIPE_SECRET_KEY's account) and keep its secret."

    def add_arguments(self, parser):
        parser.add_argument("base_url", help="Fanfare's public base URL, e.g. https://fanfare.example.com")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say whether an endpoint would be kept or made; register nothing."
        )

    def handle(self, *args, base_url: str, dry_run: bool = False, **options):
        if dry_run:
            kept = webhook_endpoint_kept(base_url=base_url)
            if kept is None:
                self.stdout.write(f"would register {base_url.rstrip('/')}/stripe/webhook/<new id>/ at Stripe")
            else:
                self.stdout.write(f"would keep {kept.url} ({kept.id}), which Stripe still knows")
            return
        endpoint = webhook_endpoint_register(base_url=base_url)
        self.stdout.write(self.style.SUCCESS(f"webhooks go to {endpoint.url} ({endpoint.id})"))
        # Production requires it in the environment (docs/billing.md, "Production").
        self.stdout.write(f"STRIPE_WEBHOOK_SECRET={endpoint.secret}")
