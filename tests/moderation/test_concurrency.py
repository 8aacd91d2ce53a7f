"""Reports racing on one target, with real threads against PostgreSQL: one case, one report per
reporter, exact reporter counts."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from moderation.models import Case, Report
from moderation.services.reports import report_create
from tests.content.post_factories import make_post
from tests.moderation.conftest import verified

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls) -> list:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_many_reporters_at_once_make_one_case_with_every_reporter_counted():
    post = make_post(verified())
    reporters = [verified() for _ in range(6)]

    results = _race([
        (lambda r=r: report_create(reporter=r, target_type="post", target_id=post.pk, category="spam"))
        for r in reporters
    ])  # fmt: skip

    assert all(isinstance(result, tuple) and result[1] is True for result in results), results
    case = Case.objects.get()
    assert case.reports.count() == 6
    assert case.reporters_count == 6
    assert case.priority == 15 + 50


def test_one_reporter_twice_at_once_makes_one_report():
    post = make_post(verified())
    reporter = verified()

    results = _race([
        lambda: report_create(reporter=reporter, target_type="post", target_id=post.pk, category="spam"),
        lambda: report_create(reporter=reporter, target_type="post", target_id=post.pk, category="hate"),
    ])  # fmt: skip

    assert sorted(result[1] for result in results) == [False, True]
    assert {result[0].pk for result in results} == {Report.objects.get().pk}
    assert Case.objects.get().reporters_count == 1


def test_the_rate_limit_holds_under_concurrent_reports(settings):
    from core.errors import ApplicationError

    settings.MODERATION_REPORTS_PER_HOUR = 3
    reporter = verified()
    posts = [make_post(verified()) for _ in range(6)]

    results = _race([
        (lambda p=p: report_create(reporter=reporter, target_type="post", target_id=p.pk, category="spam"))
        for p in posts
    ])  # fmt: skip

    created = [result for result in results if isinstance(result, tuple)]
    refused = [result for result in results if isinstance(result, ApplicationError)]
    assert len(created) == 3
    assert [error.code for error in refused] == ["report_rate_limited"] * 3
    assert Report.objects.filter(reporter=reporter).count() == 3


def test_two_moderators_acting_on_one_case_at_once_make_one_decision():
    from core.errors import ApplicationError
    from moderation.models import Decision
    from moderation.services.actions import case_act
    from tests.moderation.conftest import moderator_by_permissions

    post = make_post(verified())
    case = report_create(reporter=verified(), target_type="post", target_id=post.pk, category="spam")[0].case
    first, second = moderator_by_permissions(), moderator_by_permissions()

    results = _race([
        lambda: case_act(case=case, by=first, action="remove", reason="Spam"),
        lambda: case_act(case=case, by=second, action="warn", reason="Spam"),
    ])  # fmt: skip

    errors = [result for result in results if isinstance(result, ApplicationError)]
    assert [error.code for error in errors] == ["case_closed"]
    assert Decision.objects.count() == 1
    case.refresh_from_db()
    assert case.resolution == Decision.objects.get().action
