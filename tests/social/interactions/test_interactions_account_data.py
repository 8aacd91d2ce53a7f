"""A purged account's comments are scrubbed and its likes and saves deleted with every counter
fixed; the export holds them; seed_demo adds interactions once; the schema documents the API."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from accounts.services.export import archive_build
from content.models import Post, Video
from social.models import Comment, CommentRevision, Like, Save
from social.services import comments as comment_services
from social.services import likes as like_services
from tests.content.post_factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db


def past_the_grace_period(user, settings) -> None:
    User.all_objects.filter(pk=user.pk).update(
        deleted_at=timezone.now() - timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS + 1)
    )


@pytest.fixture
def leaving(owner, post, video):
    """A user with comments (one a reply someone answered), likes and saves on the owner's content."""
    gone = VerifiedUserFactory(handle="leaving")
    root = comment_services.comment_create(author=gone, content=post, text="my words @owner")
    comment_services.comment_edit(comment=root, by=gone, text="my edited words")
    answer = comment_services.comment_create(author=owner, content=post, text="answer", parent=root)
    comment_services.comment_create(author=gone, content=video, text="on the video")
    like_services.like(user=gone, target=post)
    like_services.like(user=gone, target=video)
    like_services.like(user=gone, target=answer, content=post)
    like_services.save(user=gone, content=post)
    like_services.save(user=gone, content=video)
    like_services.like(user=owner, target=post)
    return gone, root, answer


def test_the_purge_scrubs_comments_and_removes_likes_and_saves_with_counters(leaving, owner, post, video, settings):
    gone, _root, answer = leaving
    past_the_grace_period(gone, settings)
    out = io.StringIO()

    call_command("purge_deleted_accounts", stdout=out)

    assert "scrub and delete 2 comments" in out.getvalue()
    assert "delete 3 likes and 2 saves" in out.getvalue()
    scrubbed = Comment.all_objects.filter(author_id=gone.pk)
    assert list(scrubbed.values_list("text", flat=True)) == ["", ""]
    assert all(c.deleted_at is not None for c in scrubbed)
    assert not CommentRevision.objects.filter(comment__author_id=gone.pk).exists()
    assert not Comment.mentions.through.objects.filter(comment__author_id=gone.pk).exists()
    assert Comment.objects.filter(pk=answer.pk).exists()  # the reply keeps its place
    assert not Like.objects.filter(user_id=gone.pk).exists()
    assert not Save.objects.filter(user_id=gone.pk).exists()
    post_counts = Post.objects.filter(pk=post.pk).values("likes_count", "comments_count", "saves_count").get()
    assert post_counts == {"likes_count": 1, "comments_count": 1, "saves_count": 0}
    assert Video.objects.filter(pk=video.pk).values_list("likes_count", "comments_count", "saves_count").get() == (
        0,
        0,
        0,
    )
    assert Comment.objects.get(pk=answer.pk).likes_count == 0
    recount = io.StringIO()
    call_command("recount_social", "--dry-run", stdout=recount)
    assert "social_comment" not in recount.getvalue()
    assert "content_" not in recount.getvalue()


def test_the_dry_run_names_the_steps_and_changes_nothing(leaving, settings):
    gone, _root, _answer = leaving
    past_the_grace_period(gone, settings)
    out = io.StringIO()

    call_command("purge_deleted_accounts", "--dry-run", stdout=out)

    assert "scrub and delete 2 comments" in out.getvalue()
    assert Like.objects.filter(user=gone).count() == 3
    assert Comment.objects.filter(author=gone).count() == 2


def test_the_export_includes_comments_likes_and_saves(leaving, post, video):
    gone, _root, answer = leaving

    sections = json.loads(json.dumps(archive_build(user=gone), default=str))["sections"]

    assert [(c["text"], c["post"], c["video"]) for c in sections["comments"]] == [
        ("my edited words", str(post.pk), None),
        ("on the video", None, str(video.pk)),
    ]
    assert sections["comments"][0]["earlier_texts"][0]["text"] == "my words @owner"
    assert [(like["post"], like["video"], like["comment"]) for like in sections["likes"]] == [
        (str(post.pk), None, None),
        (None, str(video.pk), None),
        (None, None, str(answer.pk)),
    ]
    assert [(s["post"], s["video"]) for s in sections["saves"]] == [(str(post.pk), None), (None, str(video.pk))]


@pytest.fixture
def demo_media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.VIDEO_ROOT = tmp_path / "videos"
    settings.DEBUG = True
    return tmp_path


def test_seed_demo_adds_interactions_once(demo_media):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    sketch = Post.objects.get(text__startswith="Two new sketches")
    assert set(Comment.objects.filter(post=sketch).values_list("depth", "text")) == {
        (0, "The fox is perfect. More foxes please, @demo_creator!"),
        (1, "Thank you! A fox a day, then."),
        (2, "Holding you to that."),
        (0, "The cross-hatching on the owl!"),
    }
    assert sketch.comments_count == 4
    assert sketch.likes_count == 2
    assert sketch.saves_count == 1
    assert Like.objects.filter(comment__post=sketch).count() == 2
    assert "interactions:" in out.getvalue()


def test_the_schema_documents_every_interaction_endpoint():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()

    for operation in [
        "posts_comments_list",
        "posts_comments_create",
        "videos_comments_list",
        "posts_comment_settings_update",
        "comments_retrieve",
        "comments_partial_update",
        "comments_destroy",
        "comments_replies_list",
        "comments_replies_create",
        "comments_revisions_list",
        "posts_like",
        "posts_unlike",
        "videos_like",
        "comments_like",
        "posts_save",
        "videos_unsave",
        "saves_list",
        "posts_likers_list",
        "videos_likers_list",
    ]:
        assert f"operationId: {operation}\n" in schema
