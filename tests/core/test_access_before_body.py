"""Access checks come before body validation: someone else's or a missing object is 404 whatever
the body, so a client never fixes a body for an object it cannot touch (issue 14)."""

import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MISSING = uuid.uuid4()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", f"/api/v1/videos/{MISSING}/"),
        ("post", f"/api/v1/videos/{MISSING}/views/"),
        ("post", f"/api/v1/videos/uploads/{MISSING}/complete/"),
        ("patch", f"/api/v1/streams/{MISSING}/"),
        ("post", f"/api/v1/streams/{MISSING}/heartbeat/"),
    ],
)
def test_a_missing_object_is_404_even_with_an_invalid_body(method, path):
    client = APIClient()
    client.force_authenticate(UserFactory(email_verified_at=timezone.now()))

    response = getattr(client, method)(
        path, {"title": ["not", "a", "string"], "parts": 7, "session": {}}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["type"] == "client_error"
