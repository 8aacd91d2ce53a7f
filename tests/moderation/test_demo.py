"""seed_demo leaves a few open cases in the queue, once."""

import io

import pytest
from django.core.management import call_command

from moderation.models import Case, Report

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_open_cases_once(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.VIDEO_ROOT = tmp_path / "videos"
    settings.DEBUG = True

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    assert sorted(Report.objects.values_list("target_type", flat=True)) == ["comment", "post", "post", "post", "user"]
    cases = list(Case.objects.filter(status="open").order_by("-priority"))
    assert [(case.target_type, case.category) for case in cases] == [
        ("post", "self_harm"), ("comment", "harassment"), ("user", "impersonation"), ("post", "spam"),
    ]  # fmt: skip
    assert cases[0].urgent is True
    assert cases[3].reporters_count == 2
