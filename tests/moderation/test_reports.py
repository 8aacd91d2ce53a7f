"""Reports through the API: every target type, evidence frozen, cases merged and ordered, bad input."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from content.models import Post, PostImage
from content.services import posts as post_services
from moderation.models import Case, Report
from moderation.services.reports import report_create
from tests.content.post_factories import make_post
from tests.content.video_factories import VideoFactory
from tests.moderation.conftest import code_of, make_chat_line, make_comment, make_live_stream, verified

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/"


def _png(color=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "PNG")
    return SimpleUploadedFile("evidence.png", buffer.getvalue(), content_type="image/png")


def _report(client, target_type, target_id, category="spam", **extra):
    return client.post(URL, {"target": {"type": target_type, "id": str(target_id)}, "category": category, **extra},
                       format="json")  # fmt: skip


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_user_reports_a_user(client_of, reporter, author):
    response = _report(client_of(reporter), "user", author.pk, "impersonation", comment="Not the real painter.")

    assert response.status_code == 201
    body = response.json()
    assert body["target"] == {"type": "user", "id": str(author.pk)}
    assert body["category"] == "impersonation"
    assert body["status"] == "open"
    report = Report.objects.get(pk=body["id"])
    assert report.target_user == author
    assert report.evidence["author"]["handle"] == "author"
    assert report.case.target_label == "@author"


def test_a_user_reports_a_post_and_its_text_and_image_are_frozen(client_of, reporter, author, media_root):
    from content.services.post_images import ImageUpload

    post = make_post(author, text="Buy cheap followers at spam.example", images=[ImageUpload(file=_png())])

    response = _report(client_of(reporter), "post", post.pk)

    assert response.status_code == 201
    evidence = Report.objects.get().evidence
    assert evidence["text"] == "Buy cheap followers at spam.example"
    [image] = evidence["media"]
    assert image["kind"] == "image"
    assert image["name"].startswith("moderation/evidence/")
    assert image["original"] == PostImage.objects.get(post=post).feed.name
    assert default_storage.exists(image["name"])


def test_evidence_survives_the_authors_edit_and_deletion_and_the_files_purge(client_of, reporter, author, media_root):
    from content.services.post_images import ImageUpload

    post = make_post(author, text="original words", images=[ImageUpload(file=_png())])
    _report(client_of(reporter), "post", post.pk, "harassment")
    original_file = PostImage.objects.get(post=post).feed.name

    post_services.post_edit(post=post, by=author, text="innocent words")
    post_services.post_delete(post=Post.objects.get(pk=post.pk), by=author)
    PostImage._meta.get_field("feed").storage.delete(original_file)

    evidence = Report.objects.get().evidence
    assert evidence["text"] == "original words"
    assert not default_storage.exists(original_file)
    assert default_storage.exists(evidence["media"][0]["name"])
    with default_storage.open(evidence["media"][0]["name"], "rb") as copy:
        assert Image.open(copy).size == (64, 48)


def test_a_user_reports_a_comment(client_of, reporter, author):
    post = make_post(verified())
    comment = make_comment(author, post, "you are awful")

    response = _report(client_of(reporter), "comment", comment.pk, "harassment")

    assert response.status_code == 201
    report = Report.objects.get()
    assert report.target_user == author
    assert report.evidence["text"] == "you are awful"
    assert report.evidence["on"] == {"type": "post", "id": str(post.pk)}


def test_a_user_reports_a_video_with_its_playlist_referenced(client_of, reporter, author):
    video = VideoFactory(owner=author, title="Dangerous stunts", view_count=12000)

    response = _report(client_of(reporter), "video", video.pk, "violence")

    assert response.status_code == 201
    report = Report.objects.get()
    assert report.evidence["title"] == "Dangerous stunts"
    assert {"kind": "video", "video_id": str(video.pk), "playlist": "master.m3u8"} in report.evidence["media"]
    assert report.case.reach == 12000


def test_a_user_reports_a_live_stream(client_of, reporter, author):
    stream = make_live_stream(author, title="Rage stream")

    response = _report(client_of(reporter), "live_stream", stream.pk, "hate")

    assert response.status_code == 201
    assert Report.objects.get().evidence["title"] == "Rage stream"


def test_a_chat_message_report_freezes_the_lines_around_it(client_of, reporter, author):
    stream = make_live_stream(verified(handle="streamer"))
    other = verified(handle="other")
    before = [make_chat_line(stream, other, f"line {n}") for n in range(6)]
    message = make_chat_line(stream, author, "the bad line")
    after = make_chat_line(stream, other, "after it")

    response = _report(client_of(reporter), "chat_message", message.pk, "harassment")

    assert response.status_code == 201
    context = Report.objects.get().evidence["context"]
    assert [line["text"] for line in context] == [*(line.text for line in before[1:]), "the bad line", after.text]
    assert [line["reported"] for line in context] == [False] * 5 + [True, False]
    message.soft_delete()
    assert Report.objects.get().evidence["text"] == "the bad line"


def test_reports_about_one_target_join_one_case_and_count_distinct_reporters(client_of, author):
    post = make_post(author)
    first, second = verified(), verified()

    _report(client_of(first), "post", post.pk, "spam")
    _report(client_of(second), "post", post.pk, "hate")

    case = Case.objects.get()
    assert case.reports.count() == 2
    assert case.reporters_count == 2
    assert case.category == "hate"  # the most severe of its reports
    assert case.priority == 70 + 10


def test_a_second_report_by_the_same_reporter_returns_the_first(client_of, reporter, author):
    post = make_post(author)
    first = _report(client_of(reporter), "post", post.pk, "spam")

    again = _report(client_of(reporter), "post", post.pk, "hate", comment="changed my mind")

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["category"] == "spam"
    assert Report.objects.count() == 1


def test_the_queue_puts_child_safety_and_self_harm_first_then_reporters_and_reach(reporter, author):
    from moderation.selectors import case_queue

    popular = verified(followers_count=100_000)
    spam_post, popular_post, harm_post = make_post(author), make_post(popular), make_post(author)
    report_create(reporter=reporter, target_type="post", target_id=spam_post.pk, category="spam")
    report_create(reporter=verified(), target_type="post", target_id=spam_post.pk, category="spam")
    report_create(reporter=reporter, target_type="post", target_id=popular_post.pk, category="spam")
    report_create(reporter=reporter, target_type="post", target_id=harm_post.pk, category="self_harm")

    queue = list(case_queue())

    assert [case.target_id for case in queue] == [str(harm_post.pk), str(popular_post.pk), str(spam_post.pk)]
    assert [case.priority for case in queue] == [1000, 15 + 50, 15 + 10]
    assert queue[0].urgent is True


def test_nobody_reports_themselves(client_of, author):
    response = _report(client_of(author), "post", make_post(author).pk)

    assert response.status_code == 400
    assert code_of(response) == "cannot_report_self"


def test_what_the_reporter_cannot_see_is_not_found_as_on_its_own_endpoint(client_of, reporter, author):
    hidden = make_post(author, visibility=Post.Visibility.FOLLOWERS)
    private = VideoFactory(owner=author, visibility="private")
    followers_stream = make_live_stream(author, visibility="followers")

    assert code_of(_report(client_of(reporter), "post", hidden.pk)) == "post_not_found"
    assert _report(client_of(reporter), "video", private.pk).status_code == 404
    response = _report(client_of(reporter), "live_stream", followers_stream.pk)
    assert (response.status_code, code_of(response)) == (403, "followers_only")
    unknown = _report(client_of(reporter), "user", "0193b0a8-7c1e-7e4b-9d3c-5f2a1b0c9d8e")
    assert (unknown.status_code, code_of(unknown)) == (404, "not_found")
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "attr", "code"),
    [
        ({"category": "rudeness"}, "category", "invalid_choice"),
        ({"comment": "x" * 1001}, "comment", "max_length"),
        ({"target": {"type": "advert", "id": "0193b0a8-7c1e-7e4b-9d3c-5f2a1b0c9d8e"}}, "target.type", "invalid_choice"),
        ({"target": {"type": "post", "id": "not-a-uuid"}}, "target.id", "invalid"),
    ],
)
def test_bad_input_is_a_400_with_a_stable_code(client_of, reporter, author, payload, attr, code):
    body = {"target": {"type": "user", "id": str(author.pk)}, "category": "spam", **payload}

    response = client_of(reporter).post(URL, body, format="json")

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == (attr, code)


def test_related_items_must_be_few_and_of_the_same_user(client_of, reporter, author):
    post = make_post(author)
    mine = [{"type": "post", "id": str(make_post(author).pk)} for _ in range(6)]
    someone_elses = [{"type": "post", "id": str(make_post(verified()).pk)}]

    too_many = _report(client_of(reporter), "post", post.pk, related=mine)
    foreign = _report(client_of(reporter), "post", post.pk, related=someone_elses)
    ok = _report(client_of(reporter), "post", post.pk, related=mine[:2])

    error = too_many.json()["errors"][0]
    assert (too_many.status_code, error["attr"], error["code"]) == (400, "related.non_field_errors", "max_length")
    assert (foreign.status_code, code_of(foreign)) == (400, "related_not_same_user")
    assert ok.status_code == 201
    assert [item["id"] for item in ok.json()["related"]] == [item["id"] for item in mine[:2]]
    assert len(Report.objects.get().evidence["related"]) == 2


def test_reports_are_rate_limited_per_reporter(client_of, reporter, settings):
    settings.MODERATION_REPORTS_PER_HOUR = 2
    client = client_of(reporter)
    posts = [make_post(verified()) for _ in range(3)]

    assert _report(client, "post", posts[0].pk).status_code == 201
    assert _report(client, "post", posts[1].pk).status_code == 201
    third = _report(client, "post", posts[2].pk)

    assert third.status_code == 429
    assert code_of(third) == "report_rate_limited"
    assert 3500 <= int(third["Retry-After"]) <= 3600
    assert _report(client_of(verified()), "post", posts[2].pk).status_code == 201


def test_a_reporter_lists_their_own_reports_with_status_and_nobody_elses(client_of, reporter, author):
    mine = report_create(reporter=reporter, target_type="user", target_id=author.pk, category="spam")[0]
    report_create(reporter=verified(), target_type="user", target_id=author.pk, category="spam")

    response = client_of(reporter).get(URL)

    assert response.status_code == 200
    assert [(item["id"], item["status"]) for item in response.json()["results"]] == [(str(mine.pk), "open")]


def test_anonymous_cannot_report_or_list(api_client, author):
    assert api_client.get(URL).status_code == 401
    assert _report(api_client, "user", author.pk).status_code == 401


def test_the_rules_are_listed_for_the_report_form(api_client):
    response = api_client.get("/api/v1/reports/rules/")

    assert response.status_code == 200
    assert [rule["title"] for rule in response.json()][:2] == ["No spam", "No harassment or hate"]


def test_a_report_may_cite_a_rule(client_of, reporter, author):
    from moderation.models import Rule

    rule = Rule.objects.get(title="No spam")

    response = _report(client_of(reporter), "user", author.pk, rule=str(rule.pk))

    assert response.json()["rule"]["title"] == "No spam"


def test_listing_reports_takes_a_fixed_number_of_queries(client_of, reporter, django_assert_max_num_queries):
    for _ in range(3):
        report_create(reporter=reporter, target_type="user", target_id=verified().pk, category="spam")
    client = client_of(reporter)
    with django_assert_max_num_queries(3):
        assert len(client.get(URL + "?page_size=2").json()["results"]) == 2
    with django_assert_max_num_queries(3):
        assert len(client.get(URL + "?page_size=50").json()["results"]) == 3


def test_a_users_data_export_holds_the_reports_they_made(reporter, author):
    from accounts.export import sections

    report_create(reporter=reporter, target_type="user", target_id=author.pk, category="spam", comment="bot")

    build = sections()["reports"]

    assert [(item["category"], item["comment"], item["status"]) for item in build(reporter)] == [
        ("spam", "bot", "open")
    ]
    assert build(author) == []
