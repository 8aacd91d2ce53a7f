import asyncio

import pytest
from asgiref.sync import sync_to_async
from celery import shared_task
from channels.layers import get_channel_layer
from django.db import transaction

from core.side_effects import after_commit, enqueue_task, group_send

calls: list = []


@shared_task
def record_call(value):
    calls.append(value)


@pytest.fixture(autouse=True)
def _reset_calls():
    calls.clear()


@pytest.mark.django_db(transaction=True)
def test_after_commit_waits_for_the_commit():
    with transaction.atomic():
        after_commit(calls.append, "done")
        assert calls == []

    assert calls == ["done"]


@pytest.mark.django_db(transaction=True)
def test_nothing_runs_when_the_transaction_rolls_back():
    def work_that_fails():
        with transaction.atomic():
            after_commit(calls.append, "never")
            enqueue_task(record_call, "never")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        work_that_fails()

    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_callback_does_not_stop_the_next():
    def boom():
        raise ValueError("boom")

    with transaction.atomic():
        after_commit(boom)
        after_commit(calls.append, "after")

    assert calls == ["after"]


@pytest.mark.django_db(transaction=True)
def test_enqueued_task_runs_after_commit_with_its_arguments():
    with transaction.atomic():
        enqueue_task(record_call, 42)
        assert calls == []

    assert calls == [42]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_group_send_reaches_the_group_after_commit():
    # A consumer's side: a channel in a group, in this event loop (the Redis layer is per loop).
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("probe-group", channel)

    def service():
        with transaction.atomic():
            group_send("probe-group", {"type": "probe.message", "n": 1})

    await sync_to_async(service)()

    message = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert message == {"type": "probe.message", "n": 1}
    await layer.group_discard("probe-group", channel)
