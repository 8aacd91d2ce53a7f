"""The studio's post pages: the creator's posts with counts, compose (images, poll), edit, delete."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from content.models import Poll, Post, PostImage
from content.services import posts as services
from tests.content.post_factories import VerifiedUserFactory, make_post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/studio/posts/"
NEW = "/studio/posts/new/"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def creator():
    return VerifiedUserFactory(handle="ana")


def studio(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def png():
    output = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(output, format="PNG")
    return SimpleUploadedFile("a.png", output.getvalue(), content_type="image/png")


def test_the_list_shows_the_creators_own_posts_with_counts_and_is_in_the_navigation(creator):
    mine = make_post(creator, text="mine #one")
    make_post(text="someone else's")
    services.post_repost(user=VerifiedUserFactory(), post=mine)

    response = studio(creator).get(LIST)

    assert response.status_code == 200
    assert [post.pk for post in response.context["posts"]] == [mine.pk]
    assert response.context["posts"][0].reposts_count == 1
    assert {"label": "Posts", "url": LIST, "active": True} in response.context["studio_nav"]
    assert b"someone else" not in response.content


def test_anonymous_is_sent_to_login():
    response = Client().get(LIST)

    assert response.status_code == 302
    assert response.url.startswith("/studio/login/")


def test_compose_with_images_and_a_poll(creator):
    ends = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = studio(creator).post(
        NEW,
        {
            "text": "Pick one #vote",
            "visibility": "public",
            "images": [png(), png()],
            "alt_text_1": "first",
            "poll_option_1": "Fox",
            "poll_option_2": "Owl",
            "poll_ends_at": ends,
        },
    )

    assert response.status_code == 302
    assert response.url == LIST
    post = Post.objects.get(author=creator)
    assert (post.text, post.hashtags) == ("Pick one #vote", ["vote"])
    assert list(PostImage.objects.filter(post=post).values_list("position", "alt_text")) == [(0, "first"), (1, "")]
    assert list(Poll.objects.get(post=post).options.values_list("label", flat=True)) == ["Fox", "Owl"]


def test_compose_shows_the_rules_errors(creator):
    response = studio(creator).post(NEW, {"text": "x" * 501, "visibility": "public"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"text": ["A post is at most 500 characters."]}
    assert not Post.objects.exists()


def test_an_unverified_email_cannot_compose():
    user = UserFactory()

    response = studio(user).post(NEW, {"text": "hello", "visibility": "public"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Verify your email address first."]
    assert not Post.objects.exists()


def test_edit_and_delete_own_post(creator):
    post = make_post(creator, text="before")
    client = studio(creator)

    assert client.get(f"/studio/posts/{post.pk}/edit/").status_code == 200
    edited = client.post(f"/studio/posts/{post.pk}/edit/", {"text": "after", "content_warning": ""})
    assert edited.status_code == 302
    post.refresh_from_db()
    assert post.text == "after"
    assert post.revisions.count() == 2

    deleted = client.post(f"/studio/posts/{post.pk}/delete/")
    assert deleted.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()


def test_another_creators_post_is_not_found(creator):
    post = make_post(text="not yours")
    client = studio(creator)

    assert client.get(f"/studio/posts/{post.pk}/edit/").status_code == 404
    client.post(f"/studio/posts/{post.pk}/delete/")
    assert Post.objects.filter(pk=post.pk).exists()
