"""core.ids.uuid7_many: many UUIDv7s at once, in order with uuid7() before and after."""

import uuid

from core.ids import uuid7, uuid7_many


def test_uuid7_many_are_version_7_unique_and_strictly_increasing_between_uuid7_calls():
    before = uuid7()
    values = uuid7_many(5000)
    after = uuid7()

    assert len(values) == 5000
    assert all(value.version == 7 and value.variant == uuid.RFC_4122 for value in values)
    assert [before, *values, after] == sorted([before, *values, after])
    assert len({before, *values, after}) == 5002


def test_consecutive_batches_do_not_overlap_and_keep_their_order():
    first, second = uuid7_many(3), uuid7_many(1000)

    assert first + second == sorted(first + second)
    assert len(set(first + second)) == 1003
    assert uuid7_many(0) == []
