"""manage.py seed_bench: a small network written with COPY, exact probe users, refusals."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from content.models import Post, Video
from social.models import Follow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SMALL = ["--users=5100", "--posts=2000", "--follows=8000", "--videos=20"]


def test_seed_bench_writes_the_network_with_exact_probes_and_counters():
    call_command("seed_bench", *SMALL, stdout=io.StringIO())

    assert User.objects.count() == 5100
    assert Post.objects.count() == 2000
    assert Video.objects.count() == 20
    assert Follow.objects.count() == 8000
    for handle, following in {"bench_f10": 10, "bench_f200": 200, "bench_f5000": 5000}.items():
        user = User.objects.get(handle=handle)
        assert Follow.objects.filter(follower=user).count() == following
        assert user.following_count == following
    star = User.objects.order_by("-followers_count").first()
    assert star.followers_count == Follow.objects.filter(followee=star).count()
    # Ids are UUIDv7 in creation order, as the application makes them.
    newest = Post.objects.order_by("-id").first()
    assert newest == Post.objects.order_by("-created_at").first()
    assert newest.search_vector is not None


def test_seed_bench_refuses_a_database_with_accounts():
    UserFactory(handle="someone_real")

    with pytest.raises(CommandError, match="has accounts in it"):
        call_command("seed_bench", *SMALL, stdout=io.StringIO())

    assert User.objects.count() == 1


def test_seed_bench_refuses_a_second_network_even_with_force():
    call_command("seed_bench", *SMALL, stdout=io.StringIO())

    with pytest.raises(CommandError, match="bench network already"):
        call_command("seed_bench", *SMALL, "--force", stdout=io.StringIO())


def test_seed_bench_needs_enough_users_for_the_probes():
    with pytest.raises(CommandError, match="--users must be more than 5000"):
        call_command("seed_bench", "--users=100", stdout=io.StringIO())
