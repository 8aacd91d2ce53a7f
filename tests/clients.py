"""Clients signed in the way staff sign in: a session verified by a second factor."""

from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from rest_framework.test import APIClient


def verified_client(user, *, api: bool = False, second_factor: bool = True) -> Client | APIClient:
    """A session for ``user``, marked verified as django-otp's login marks it (unless told not to)."""
    client = APIClient() if api else Client()
    client.force_login(user)
    if second_factor:
        device, _ = StaticDevice.objects.get_or_create(user=user, name="backup", defaults={"confirmed": True})
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client
