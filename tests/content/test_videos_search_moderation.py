"""Search (tags and ranked full text) and moderation (admin bulk actions and their effects)."""

from __future__ import annotations

import pytest

from content.models import Rendition, Video
from content.services import videos as video_services
from core.errors import ApplicationError
from tests.clients import verified_client
from tests.content import video_factories
from tests.content.video_factories import VerifiedUserFactory, VideoFactory, with_files
from tests.factories import UserFactory, with_role

pytestmark = pytest.mark.django_db
video_root = video_factories.video_root

VIDEOS = "/api/v1/videos/"


def searchable(**fields):
    """A video whose search column is filled the way the services fill it."""
    video = VideoFactory(**fields)
    return video_services.video_update(video=video, by=video.owner, changes={"title": video.title})


def test_search_ranks_title_and_tag_matches_above_description_matches(api_client):
    searchable(title="Cooking pasta at home", description="A quick dinner.")
    searchable(title="Evening walk", description="We talk about pasta and bread for a while.")
    searchable(title="Bread basics", tags=["pasta", "baking"], description="Flour and water.")
    searchable(title="Unrelated", description="Nothing here.")

    response = api_client.get(f"{VIDEOS}search/?q=pasta")

    assert response.status_code == 200
    assert [v["title"] for v in response.json()][2] == "Evening walk"
    assert sorted(v["title"] for v in response.json()[:2]) == ["Bread basics", "Cooking pasta at home"]


def test_search_understands_stemming_phrases_and_exclusions(api_client):
    searchable(title="Cats playing", tags=["pets"])
    searchable(title="Dogs playing", tags=["pets"])

    assert [v["title"] for v in api_client.get(f"{VIDEOS}search/?q=cat").json()] == ["Cats playing"]
    assert [v["title"] for v in api_client.get(f"{VIDEOS}search/?q=pets -dogs").json()] == ["Cats playing"]
    empty = api_client.get(f"{VIDEOS}search/?q=")
    assert (empty.status_code, empty.json()["errors"][0]["code"]) == (400, "query_required")


def test_search_and_tag_listing_leave_out_what_is_not_listed(api_client):
    searchable(title="Public pasta", tags=["food"])
    searchable(title="Private pasta", tags=["food"], visibility=Video.Visibility.PRIVATE)
    searchable(title="Unlisted pasta", tags=["food"], visibility=Video.Visibility.UNLISTED)
    searchable(title="Limited pasta", tags=["food"], moderation_status=Video.Moderation.LIMITED)
    searchable(title="Removed pasta", tags=["food"], moderation_status=Video.Moderation.REMOVED)

    assert [v["title"] for v in api_client.get(f"{VIDEOS}search/?q=pasta").json()] == ["Public pasta"]
    assert [v["title"] for v in api_client.get(f"{VIDEOS}?tag=Food").json()["results"]] == ["Public pasta"]


def admin_client(user):
    return verified_client(user)


@pytest.fixture
def moderator():
    return with_role(UserFactory(handle="mod_videos"), "moderator")


def test_moderators_filter_videos_by_moderation_and_processing_state(moderator):
    VideoFactory(title="Ready one")
    VideoFactory(title="Failed one", status=Video.Status.FAILED, master_playlist="")
    VideoFactory(title="Removed one", moderation_status=Video.Moderation.REMOVED)
    client = admin_client(moderator)

    failed = client.get("/admin/content/video/?status__exact=failed")
    removed = client.get("/admin/content/video/?moderation_status__exact=removed")
    page = client.get(f"/admin/content/video/{Video.objects.get(title='Ready one').pk}/change/")

    assert [v.title for v in failed.context["cl"].result_list] == ["Failed one"]
    assert [v.title for v in removed.context["cl"].result_list] == ["Removed one"]
    assert page.status_code == 200
    assert b"<video controls" in page.content


def test_bulk_removal_asks_for_a_reason_and_takes_the_videos_off_everywhere(moderator, api_client, video_root):
    owner = VerifiedUserFactory()
    targets = [with_files(searchable(owner=owner, title=f"Spam pasta {i}")) for i in range(2)]
    kept = searchable(owner=owner, title="Good pasta")
    client = admin_client(moderator)
    selection = {"action": "remove_videos", "_selected_action": [str(v.pk) for v in targets]}

    page = client.post("/admin/content/video/", selection)
    assert page.template_name == "admin/core/reason_form.html"
    assert Video.objects.filter(moderation_status="removed").count() == 0
    client.post("/admin/content/video/", {**selection, "apply": "1", "reason": "Spam"})

    removed = Video.objects.get(pk=targets[0].pk)
    assert (removed.moderation_status, removed.moderation_reason, removed.moderated_by) == (
        "removed",
        "Spam",
        moderator,
    )
    assert [v["title"] for v in api_client.get(VIDEOS).json()["results"]] == ["Good pasta"]
    assert [v["title"] for v in api_client.get(f"{VIDEOS}search/?q=pasta").json()] == ["Good pasta"]
    api_client.force_authenticate(owner)
    assert [v["title"] for v in api_client.get(f"{VIDEOS}mine/").json()["results"]] == ["Good pasta"]
    # The owner still reads why, but nothing plays, for them or anyone else.
    detail = api_client.get(f"{VIDEOS}{removed.pk}/").json()
    assert (detail["moderation_status"], detail["moderation_reason"]) == ("removed", "Spam")
    assert detail["manifests"] == {"hls": None, "dash": None}
    assert api_client.get(f"{VIDEOS}{removed.pk}/media/master.m3u8").status_code == 404
    api_client.force_authenticate(None)
    assert api_client.get(f"{VIDEOS}{removed.pk}/").status_code == 404
    assert api_client.get(f"{VIDEOS}{removed.pk}/media/240p_0000.ts").status_code == 404
    assert api_client.get(f"{VIDEOS}{kept.pk}/").status_code == 200


def test_limiting_keeps_a_video_playable_by_link_only(moderator, api_client, video_root):
    video = with_files(searchable(title="Borderline"))
    client = admin_client(moderator)

    client.post(
        "/admin/content/video/",
        {"action": "hide_videos", "_selected_action": [str(video.pk)], "apply": "1", "reason": "Borderline"},
    )

    assert Video.objects.get(pk=video.pk).moderation_status == "limited"
    assert api_client.get(VIDEOS).json()["results"] == []
    assert api_client.get(f"{VIDEOS}{video.pk}/media/master.m3u8").status_code == 200


def test_moderators_can_still_watch_a_removed_video(moderator, api_client, video_root):
    video = with_files(VideoFactory(moderation_status=Video.Moderation.REMOVED, visibility=Video.Visibility.PRIVATE))
    api_client.force_authenticate(moderator)

    assert api_client.get(f"{VIDEOS}{video.pk}/media/master.m3u8").status_code == 200


def test_the_admin_retries_failed_renditions(moderator, video_root, django_capture_on_commit_callbacks):
    video = VideoFactory()
    Video.objects.filter(pk=video.pk).update(status=Video.Status.FAILED, error_code="rendition_failed")
    Rendition.objects.filter(video=video).update(status=Rendition.Status.FAILED)
    client = admin_client(moderator)

    # The source is gone, so the retry fails again, visibly, rather than hanging.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/content/video/", {"action": "retry_failed_renditions", "_selected_action": [str(video.pk)]}
        )

    assert response.status_code == 302
    rendition = Rendition.objects.get(video=video)
    assert (rendition.status, rendition.attempts, rendition.error_code) == ("failed", 1, "transcode_failed")


def test_plain_users_cannot_moderate():
    user = with_role(UserFactory(), "finance")
    video = VideoFactory()

    response = admin_client(user).get(f"/admin/content/video/{video.pk}/change/")

    assert response.status_code == 403
    with pytest.raises(ApplicationError) as refused:
        video_services.video_moderate(video=video, moderator=user, status="removed", reason=" ")
    assert refused.value.code == "reason_required"


def test_search_queries_do_not_grow_with_the_results(api_client, django_assert_max_num_queries):
    for index in range(12):
        searchable(title=f"Pasta number {index}")

    with django_assert_max_num_queries(1):
        assert len(api_client.get(f"{VIDEOS}search/?q=pasta").json()) == 12
    searchable(title="Bread")
    with django_assert_max_num_queries(1):
        assert len(api_client.get(f"{VIDEOS}search/?q=bread").json()) == 1
