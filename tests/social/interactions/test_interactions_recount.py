"""manage.py recount_social: corrupted counters are rebuilt exactly from the rows; --dry-run
reports what it would change and changes nothing."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from content.models import Post, Video
from content.services import posts as post_services
from social.models import Comment, Follow
from social.services import comments as comment_services
from social.services import likes as like_services
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.content.video_factories import VideoFactory

pytestmark = pytest.mark.django_db

POST_COUNTERS = ["likes_count", "comments_count", "reposts_count", "quotes_count", "saves_count"]


def snapshot(post, video, comment, users):
    return {
        "post": Post.all_objects.filter(pk=post.pk).values(*POST_COUNTERS).get(),
        "video": Video.all_objects.filter(pk=video.pk).values("likes_count", "comments_count", "saves_count").get(),
        "comment": Comment.all_objects.filter(pk=comment.pk).values("likes_count", "replies_count").get(),
        "users": list(
            User.objects.filter(pk__in=[u.pk for u in users])
            .order_by("pk")
            .values("followers_count", "following_count", "posts_count", "videos_count")
        ),
    }


@pytest.fixture
def world():
    owner, ana, bob = VerifiedUserFactory(), VerifiedUserFactory(), VerifiedUserFactory()
    post = make_post(owner, text="count me")
    video = VideoFactory(owner=owner)
    User.objects.filter(pk=owner.pk).update(videos_count=1)  # the factory bypasses the service
    comment = comment_services.comment_create(author=ana, content=post, text="first")
    comment_services.comment_create(author=bob, content=post, text="reply", parent=comment)
    gone = comment_services.comment_create(author=bob, content=post, text="deleted reply", parent=comment)
    comment_services.comment_delete(comment=gone, by=bob, content=post)
    comment_services.comment_create(author=ana, content=video, text="on video")
    for user in (ana, bob):
        like_services.like(user=user, target=post)
        like_services.save(user=user, content=post)
    like_services.like(user=ana, target=video)
    like_services.like(user=owner, target=comment, content=post)
    post_services.post_repost(user=ana, post=post)
    post_services.post_quote(user=bob, post=post, content=post_services.PostContent(text="quoting"))
    for follower, followee in ((ana, owner), (bob, owner), (owner, ana)):
        Follow.objects.create(follower=follower, followee=followee)  # the graph's services are not part of this
        User.objects.filter(pk=follower.pk).update(following_count=1)
    User.objects.filter(pk=owner.pk).update(followers_count=2)
    User.objects.filter(pk=ana.pk).update(followers_count=1)
    return post, video, comment, [owner, ana, bob]


EXPECTED = {
    "post": {"likes_count": 2, "comments_count": 2, "reposts_count": 1, "quotes_count": 1, "saves_count": 2},
    "video": {"likes_count": 1, "comments_count": 1, "saves_count": 0},
    "comment": {"likes_count": 1, "replies_count": 1},
}


def test_counters_kept_by_the_services_are_already_exact(world):
    post, video, comment, users = world
    out = io.StringIO()

    call_command("recount_social", "--dry-run", stdout=out)

    assert out.getvalue().strip() == "All counters are exact."
    state = snapshot(post, video, comment, users)
    assert {k: state[k] for k in EXPECTED} == EXPECTED


def corrupt(post, video, comment, users):
    Post.all_objects.filter(pk=post.pk).update(
        likes_count=40, comments_count=0, reposts_count=9, quotes_count=0, saves_count=7
    )
    Video.all_objects.filter(pk=video.pk).update(likes_count=0, comments_count=5, saves_count=3)
    Comment.all_objects.filter(pk=comment.pk).update(likes_count=8, replies_count=0)
    User.objects.filter(pk__in=[u.pk for u in users]).update(
        followers_count=11, following_count=12, posts_count=13, videos_count=14
    )


def test_recount_repairs_every_counter_exactly(world):
    post, video, comment, users = world
    exact = snapshot(post, video, comment, users)
    corrupt(post, video, comment, users)
    out = io.StringIO()

    call_command("recount_social", stdout=out)

    assert snapshot(post, video, comment, users) == exact
    owner, ana, bob = users
    assert User.objects.filter(pk=owner.pk).values_list("followers_count", "posts_count", "videos_count").get() == (
        2,
        1,
        1,
    )
    assert User.objects.get(pk=bob.pk).posts_count == 1  # the quote; ana's repost does not count
    assert User.objects.get(pk=ana.pk).posts_count == 0
    report = out.getvalue()
    assert "content_post.likes_count: fixed 1 rows" in report
    assert f"{post.pk}: 40 -> 2" in report
    assert "accounts_user.videos_count: fixed 3 rows" in report
    assert "social_comment.replies_count: fixed 1 rows" in report
    again = io.StringIO()
    call_command("recount_social", stdout=again)
    assert again.getvalue().strip() == "All counters are exact."


def test_dry_run_reports_the_differences_and_changes_nothing(world):
    post, video, comment, users = world
    corrupt(post, video, comment, users)
    corrupted = snapshot(post, video, comment, users)
    out = io.StringIO()

    call_command("recount_social", "--dry-run", stdout=out)

    assert snapshot(post, video, comment, users) == corrupted
    report = out.getvalue()
    assert "content_post.likes_count: would fix 1 rows" in report
    assert f"{post.pk}: 40 -> 2" in report
    assert f"{video.pk}: 5 -> 1" in report
    assert "accounts_user.followers_count: would fix 3 rows" in report
    assert report.strip().endswith("(dry run)")
