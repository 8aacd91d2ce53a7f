"""/studio/streams/<id>/control/: the owner's page only."""

import pytest

from tests.streaming.helpers import make_stream, verified_user

pytestmark = pytest.mark.django_db


def test_owner_sees_the_control_room(client):
    owner = verified_user()
    stream = make_stream(owner, title="My show")
    client.force_login(owner)
    response = client.get(f"/studio/streams/{stream.pk}/control/")
    assert response.status_code == 200
    assert b"My show" in response.content
    assert f'data-socket-path="/ws/streams/{stream.pk}/chat/"'.encode() in response.content
    assert b"streaming/control_room.js" in response.content


def test_others_get_404_and_anonymous_the_login(client):
    stream = make_stream(verified_user())
    response = client.get(f"/studio/streams/{stream.pk}/control/")
    assert response.status_code == 302
    assert "/studio/login/" in response["Location"]
    client.force_login(verified_user())
    assert client.get(f"/studio/streams/{stream.pk}/control/").status_code == 404
    assert client.get("/studio/streams/00000000-0000-0000-0000-000000000000/control/").status_code == 404
