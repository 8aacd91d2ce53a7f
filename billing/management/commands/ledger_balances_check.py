from django.core.management.base import BaseCommand, CommandError

from billing.money import format_amount
from billing.services.reconcile import ledger_balances_check


class Command(BaseCommand):
    help = (
        "Recompute every ledger account's balance from its lines and report running balances that "
        "differ (--repair resets them to the sum of the lines). Exits 1 on a difference."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Reset differing running balances.")
        parser.add_argument("--dry-run", action="store_true", help="With --repair: say what would be reset.")

    def handle(self, *args, repair: bool, dry_run: bool, **options):
        would_repair = repair and dry_run
        repair = repair and not dry_run
        differences, totals = ledger_balances_check(repair=repair)
        note = " (repaired)" if repair else " (would repair)" if would_repair else ""
        for d in differences:
            self.stdout.write(
                f"{d.account} {d.currency.upper()}: running {format_amount(d.running, d.currency)}, "
                f"lines {format_amount(d.from_lines, d.currency)}" + note
            )
        for currency, total in sorted(totals.items()):
            self.stdout.write(f"all lines in {currency.upper()} sum to {total}")
        if any(totals.values()):
            raise CommandError("the lines do not sum to zero: the ledger is broken")
        if differences and not repair:
            raise CommandError(f"{len(differences)} running balances differ from their lines")
        self.stdout.write(self.style.SUCCESS(f"{len(differences)} differences"))
