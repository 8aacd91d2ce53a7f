from django.conf import settings

from config.celery import app


def test_tasks_run_eagerly_without_a_broker_and_go_to_the_broker_with_one():
    assert app.conf.task_always_eager is (not settings.CELERY_BROKER_URL)
    assert app.conf.task_acks_late is True
    assert app.conf.task_serializer == "json"
