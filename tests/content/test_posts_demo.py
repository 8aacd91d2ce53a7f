"""seed_demo adds posts with images, hashtags, a mention, a repost, a quote and an open poll, once."""

import io

import pytest
from django.core.management import call_command

from content.models import Poll, Post, PostImage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = True
    return tmp_path


def test_seed_demo_adds_posts_once():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    assert sorted(Post.objects.values_list("kind", flat=True)) == ["post", "post", "post", "post", "quote", "repost"]
    assert list(Post.objects.exclude(minimum_tier=None).values_list("minimum_tier", flat=True)) == [2]
    sketch = Post.objects.get(text__startswith="Two new sketches")
    assert sketch.hashtags == ["inktober", "ink", "sketchbook"]
    assert [user.handle for user in sketch.mentions.all()] == ["demo_viewer"]
    assert (sketch.reposts_count, sketch.quotes_count) == (1, 1)
    assert PostImage.objects.filter(post=sketch).count() == 2
    assert Poll.objects.get().options.count() == 3
    assert Poll.objects.filter(ends_at__gt=sketch.created_at).count() == 1
