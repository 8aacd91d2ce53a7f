import pytest

from tests.content.post_factories import VerifiedUserFactory


@pytest.fixture
def ana(db):
    return VerifiedUserFactory(handle="ana", display_name="Ana Lima")


@pytest.fixture
def bob(db):
    return VerifiedUserFactory(handle="bob", display_name="Bob Stone")


@pytest.fixture
def carol(db):
    return VerifiedUserFactory(handle="carol", display_name="Carol King")


@pytest.fixture
def as_user(api_client):
    def sign_in(user):
        api_client.force_authenticate(user)
        return api_client

    return sign_in
