"""core.bulk.copy_rows: ready tuples, the other fields' defaults prepared (and JSON dumped) once."""

import pytest
from django.utils import timezone
from psycopg.types.json import _JsonDumper

from ads.models import AdImpression
from ads.services.writer import _IMPRESSION_COLUMNS
from core.bulk import copy_rows
from core.ids import uuid7

pytestmark = pytest.mark.django_db


def _row(index: int) -> tuple:
    now = timezone.now()
    return (
        uuid7(), now, now, uuid7(), uuid7(), uuid7(), uuid7(), None, f"anon:{index}", None, "feed", "FR",
        "desktop", "Linux", "Chrome", "10.0.0.0", uuid7(), True, "", 1000, 0.9, 1500, True,
    )  # fmt: skip


def test_copy_rows_writes_the_json_default_of_every_other_field_dumped_once(monkeypatch):
    # given: a model whose only field not named is a JSONField defaulting to {} (extra_metadata)
    dumps = []
    real = _JsonDumper.dump
    monkeypatch.setattr(_JsonDumper, "dump", lambda self, obj: dumps.append(obj) or real(self, obj))

    # when: 50 rows are COPYed
    assert copy_rows(AdImpression, _IMPRESSION_COLUMNS, [_row(index) for index in range(50)]) == 50

    # then: each row has the default, and it was serialised once, not once per row
    assert list(AdImpression.objects.values_list("extra_metadata", flat=True)) == [{}] * 50
    assert len(dumps) == 1
