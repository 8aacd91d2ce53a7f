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
