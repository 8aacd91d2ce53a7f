import pytest


@pytest.mark.django_db
def test_user_can_be_created(user):
    assert user.pk is not None
