"""The ledger: balanced, append-only (the database refuses UPDATE/DELETE), idempotent, reversible."""

import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from billing import chart
from billing.models import JournalEntry, JournalKey, JournalLine, LedgerAccount
from billing.money import format_amount, proportional_part, share_of
from billing.selectors import balance_of, balances_from_lines
from billing.services.ledger import LedgerError, Line, entry_lines, entry_post, entry_reverse
from core.errors import ConflictError

pytestmark = pytest.mark.django_db


def _capture_lines(gross=1000, fee=59, creator_net=855, currency="usd"):
    return [
        Line(chart.STRIPE_BALANCE, gross - fee, currency),
        Line(chart.STRIPE_FEES, fee, currency),
        Line("creator:c1:pending", -creator_net, currency),
        Line(chart.revenue("tip"), -(gross - creator_net), currency),
    ]


def test_posting_writes_lines_and_moves_running_balances():
    posted = entry_post(kind="payment_captured", idempotency_key="payment:p1:captured", lines=_capture_lines())

    assert posted.created is True
    lines = entry_lines(entry=posted.entry)
    assert sorted((line.account.name, line.amount) for line in lines) == [
        ("creator:c1:pending", -855),
        ("platform:revenue:tips", -145),
        ("platform:stripe_balance", 941),
        ("platform:stripe_fees", 59),
    ]
    assert all(line.created_at == posted.entry.created_at for line in lines)
    assert balance_of(account=chart.STRIPE_BALANCE, currency="usd") == 941
    assert balance_of(account="creator:c1:pending", currency="usd") == -855
    assert balances_from_lines()[("platform:stripe_fees", "usd")] == 59


def test_the_same_key_posts_once():
    first = entry_post(kind="payment_captured", idempotency_key="k1", lines=_capture_lines())
    again = entry_post(kind="payment_captured", idempotency_key="k1", lines=_capture_lines())

    assert again.created is False
    assert again.entry.id == first.entry.id
    assert JournalEntry.objects.count() == 1
    assert JournalLine.objects.count() == 4
    assert balance_of(account=chart.STRIPE_BALANCE, currency="usd") == 941


def test_a_key_reused_for_other_lines_is_a_conflict():
    entry_post(kind="payment_captured", idempotency_key="k1", lines=_capture_lines())

    with pytest.raises(ConflictError) as error:
        entry_post(kind="payment_captured", idempotency_key="k1", lines=_capture_lines(gross=2000))
    assert error.value.code == "ledger_key_reused"


def test_posting_inside_a_transaction_takes_no_savepoint_and_a_conflict_leaves_it_usable():
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            entry_post(kind="payment_captured", idempotency_key="k1", lines=_capture_lines())
            again = entry_post(kind="payment_captured", idempotency_key="k1", lines=_capture_lines())
        # the claim of the key, the accounts (locked, then made and locked again), the entry, its
        # lines, the balances; then the replay: the claim and the entry posted under it
        assert not [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]
        assert again.created is False
        with pytest.raises(ConflictError):
            entry_post(kind="payment_captured", idempotency_key="k1", lines=_capture_lines(gross=2000))
        # nothing was written by the refused post, and the caller's transaction goes on
        assert JournalEntry.objects.count() == 1
        entry_post(kind="payment_captured", idempotency_key="k2", lines=_capture_lines(gross=2000, creator_net=1710))
    assert JournalEntry.objects.count() == 2
    assert balance_of(account=chart.STRIPE_BALANCE, currency="usd") == 941 + 1941


def test_unbalanced_lines_are_refused_by_the_service():
    with pytest.raises(LedgerError) as error:
        entry_post(kind="adjustment", idempotency_key="bad", lines=[Line("a", 10, "usd"), Line("b", -9, "usd")])
    assert error.value.code == "ledger_unbalanced"
    # Balanced in total but not per currency.
    with pytest.raises(LedgerError):
        entry_post(
            kind="adjustment",
            idempotency_key="bad2",
            lines=[Line("a", 10, "usd"), Line("b", -10, "eur")],
        )
    with pytest.raises(LedgerError) as error:
        entry_post(kind="adjustment", idempotency_key="bad3", lines=[Line("a", 10, "usd"), Line("a", -10, "usd")])
    assert error.value.code == "ledger_too_few_lines"
    assert JournalEntry.objects.count() == 0


def test_the_database_refuses_update_and_delete_of_entries_lines_and_keys():
    posted = entry_post(kind="payment_captured", idempotency_key="k1", lines=_capture_lines())

    for sql in (
        "UPDATE billing_journalline SET amount = amount + 1",
        "DELETE FROM billing_journalline",
        "UPDATE billing_journalentry SET memo = 'changed'",
        "DELETE FROM billing_journalentry",
        "UPDATE billing_journalkey SET key = 'other'",
        "DELETE FROM billing_journalkey",
    ):
        with (
            pytest.raises(DatabaseError, match="Cannot update or delete"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql)
    with pytest.raises(DatabaseError), transaction.atomic():
        JournalLine.objects.filter(entry_id=posted.entry.id).update(amount=1)
    assert sorted(JournalLine.objects.values_list("amount", flat=True)) == [-855, -145, 59, 941]


def test_the_database_refuses_truncate_of_the_ledger_and_of_each_partition():
    entry_post(kind="payment_captured", idempotency_key="k1", lines=_capture_lines())
    with connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the entry's checks run now, not at the test's end
        c.execute(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = inhrelid "
            "JOIN pg_class parent ON parent.oid = inhparent "
            "WHERE parent.relname IN ('billing_journalentry', 'billing_journalline') ORDER BY 1"
        )
        partitions = [name for (name,) in c.fetchall()]
    # pgpartition made them (three months ahead and the current one, for entries and lines).
    assert len(partitions) >= 8
    assert {name.split("_")[1] for name in partitions} == {"journalentry", "journalline"}

    for table in ["billing_journalentry", "billing_journalline", "billing_journalkey", *partitions]:
        with (
            pytest.raises(DatabaseError, match=f"Cannot truncate rows from {table} table"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(f"TRUNCATE {table} CASCADE")
    assert JournalEntry.objects.count() == 1
    assert JournalLine.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_an_unbalanced_entry_at_commit():
    account_a = LedgerAccount.objects.create(name="a", currency="usd")
    account_b = LedgerAccount.objects.create(name="b", currency="usd")

    # Written behind the service's back: the deferred constraint trigger refuses it at COMMIT.
    def write_unbalanced():
        with transaction.atomic():
            entry = JournalEntry.objects.create(kind="adjustment", idempotency_key="raw")
            JournalLine.objects.create(
                entry_id=entry.id, created_at=entry.created_at, account=account_a, amount=10, currency="usd"
            )
            JournalLine.objects.create(
                entry_id=entry.id, created_at=entry.created_at, account=account_b, amount=-9, currency="usd"
            )

    with pytest.raises(IntegrityError, match="unbalanced"):
        write_unbalanced()
    # An entry with one line (even of zero sum would be refused by the line check) is refused too.
    with pytest.raises(IntegrityError, match="fewer than two lines"), transaction.atomic():
        JournalEntry.objects.create(kind="adjustment", idempotency_key="raw2")
    # Lines balanced per currency pass.
    with transaction.atomic():
        entry = JournalEntry.objects.create(kind="adjustment", idempotency_key="raw3")
        JournalLine.objects.create(
            entry_id=entry.id, created_at=entry.created_at, account=account_a, amount=10, currency="usd"
        )
        JournalLine.objects.create(
            entry_id=entry.id, created_at=entry.created_at, account=account_b, amount=-10, currency="usd"
        )
    assert list(JournalEntry.objects.values_list("idempotency_key", flat=True)) == ["raw3"]


def test_a_reversal_mirrors_the_entry_and_points_at_it():
    posted = entry_post(kind="payment_captured", idempotency_key="k1", lines=_capture_lines())

    reversal = entry_reverse(entry=posted.entry, memo="posted to the wrong creator")
    again = entry_reverse(entry=posted.entry, memo="posted to the wrong creator")

    assert reversal.created is True
    assert again.created is False
    assert reversal.entry.reverses_id == posted.entry.id
    assert reversal.entry.kind == JournalEntry.Kind.REVERSAL
    assert sorted(line.amount for line in entry_lines(entry=reversal.entry)) == [-941, -59, 145, 855]
    assert all(amount == 0 for amount in balances_from_lines().values())
    assert set(LedgerAccount.objects.values_list("balance", flat=True)) == {0}


def test_entries_are_partitioned_by_month():
    entry_post(kind="payment_captured", idempotency_key="k1", lines=_capture_lines())

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'billing_journalentry'"
        )
        partitions = {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT tableoid::regclass::text FROM billing_journalentry")
        (holding,) = cursor.fetchone()
    assert "billing_journalentry_default" in partitions
    assert len(partitions) >= 4  # this month and three ahead, besides the default
    assert holding != "billing_journalentry_default"
    assert JournalKey.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_key_post_once_and_balances_stay_exact():
    errors = []

    def post(key):
        try:
            entry_post(kind="payment_captured", idempotency_key=key, lines=_capture_lines())
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(f"k{i % 3}",)) for i in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert JournalEntry.objects.count() == 3
    assert balance_of(account=chart.STRIPE_BALANCE, currency="usd") == 3 * 941
    assert balances_from_lines()[(chart.STRIPE_BALANCE, "usd")] == 3 * 941


def test_shares_round_down_and_cumulative_parts_add_up_with_odd_amounts():
    assert share_of(999, 9500) == 949  # 949.05
    assert share_of(1, 9500) == 0
    assert share_of(-999, 9500) == -949
    # A creator's 949 of a 999 payment, refunded in three odd pieces, comes back exactly.
    pieces = [
        proportional_part(total=949, part_before=0, part=333, whole=999),
        proportional_part(total=949, part_before=333, part=333, whole=999),
        proportional_part(total=949, part_before=666, part=333, whole=999),
    ]
    assert pieces == [316, 316, 317]
    assert sum(pieces) == 949
    with pytest.raises(ValueError, match="within the whole"):
        proportional_part(total=949, part_before=900, part=200, whole=999)


def test_zero_decimal_currencies_post_whole_units():
    # ¥1,001 tip: a 5% platform share rounds the creator down to ¥950 (950.95).
    creator = share_of(1001, 9500)
    posted = entry_post(
        kind="payment_captured",
        idempotency_key="jpy",
        lines=[
            Line(chart.STRIPE_BALANCE, 1001 - 36, "jpy"),
            Line(chart.STRIPE_FEES, 36, "jpy"),
            Line("creator:c1:pending", -creator, "jpy"),
            Line(chart.revenue("tip"), -(1001 - creator), "jpy"),
        ],
    )
    assert creator == 950
    assert sorted(line.amount for line in entry_lines(entry=posted.entry)) == [-950, -51, 36, 965]
    assert format_amount(1001, "jpy") == "1001 JPY"
    assert format_amount(1001, "usd") == "10.01 USD"
    assert format_amount(-5, "usd") == "-0.05 USD"


def test_in_a_batch_an_account_locked_once_is_not_read_again_and_its_balance_counts_every_posting():
    from django.test.utils import CaptureQueriesContext

    from billing.services.ledger import accounts_lock, entry_get_by_key, postings_batched

    entry_post(kind="payment_captured", idempotency_key="payment:p0:captured", lines=_capture_lines())
    pending, available = "creator:c1:pending", "creator:c1:available"
    seen = []
    with transaction.atomic(), postings_batched():
        seen.append(accounts_lock(names=[pending, available], currency="usd"))
        entry_post(kind="payment_captured", idempotency_key="payment:p1:captured", lines=_capture_lines())
        with CaptureQueriesContext(connection) as queries:
            seen.append(accounts_lock(names=[pending, available], currency="usd"))
        assert len(queries.captured_queries) == 0  # locked above, in this transaction
        entry_get_by_key(idempotency_key="payment:p1:captured")  # writes what the batch kept
        entry_post(kind="payment_captured", idempotency_key="payment:p2:captured", lines=_capture_lines())
        seen.append(accounts_lock(names=[pending, available], currency="usd"))
        seen.append(accounts_lock(names=[pending, chart.STRIPE_BALANCE], currency="usd"))  # one not locked yet

    assert [(accounts[pending].balance, accounts[available].balance) for accounts in seen[:3]] == [
        (-855, 0),
        (-1710, 0),
        (-2565, 0),
    ]
    assert (seen[3][pending].balance, seen[3][chart.STRIPE_BALANCE].balance) == (-2565, 3 * 941)
    assert balance_of(account=pending, currency="usd") == -2565
    assert balances_from_lines()[(pending, "usd")] == -2565
