"""The API keeps its contract: a property-based fuzzer (schemathesis) over every operation.

Schemathesis reads the served OpenAPI schema and, for each operation, generates requests from
it, valid ones and deliberately invalid ones (wrong types, missing fields, NUL bytes, huge
numbers, odd content types), then checks every response:

- ``not_a_server_error``: no 5xx, ever;
- ``status_code_conformance``: the status is one the operation documents;
- ``content_type_conformance``: the body's media type is the documented one;
- ``response_headers_conformance``: documented required headers are there;
- ``response_schema_conformance``: the body matches the documented schema (errors included);
- ``error_code_is_documented`` (ours): an error's ``code`` is one the schema lists for it.

It runs in-process against the WSGI face of the same Django project (no server), inside one
transaction rolled back at the end of the module, with a fixed seed and a bounded number of
examples per operation. Each operation runs anonymous and as an ordinary signed-in user
(token); the staff endpoints also as a moderator (token), so that both the access checks and
what lies behind them are exercised.

Every example gets a fresh token for its user: destructive operations on the caller's own
session (log out, log out everywhere, revoke the current device) are fuzzed like the rest
without taking the session away from the examples that follow. Nothing is excluded.

Known objects: path parameters are drawn half of the time from objects that exist (posts,
videos, streams, comments, users, ...), so that the fuzzer reaches what lies behind a 404.

Select it with ``pytest -m fuzz``; leave it out with ``-m "not fuzz"``. ``FUZZ_MAX_EXAMPLES``
raises the number of examples per operation (default below) for a longer local run.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time

import pytest
import schemathesis
import stripe
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import Case

from billing.stripe_peer import running_peer

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "12"))
SEED = 20261206


def _wsgi_app():
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


# The resumable upload's chunks (PATCH /videos/uploads/{id}/, tus-like) are raw bytes.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

# The schema as the server serves it (generating it reads no table).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", _wsgi_app())
schema.config.generation.update(modes=["positive", "negative"], max_examples=MAX_EXAMPLES, allow_x00=True)
schema.config.seed = SEED


# ---------------------------------------------------------------------------------------------
# The world the fuzzer works in: a few users and objects of every kind, made once per module.
# ---------------------------------------------------------------------------------------------

_KNOWN: dict[str, list[str]] = {}
_TOKENS: dict[str, object] = {}


def _token_for(user) -> str:
    """A new knox token and device for ``user`` (what logging in with ``client=token`` makes)."""
    from django.conf import settings as django_settings
    from knox.models import get_token_model

    from accounts.models import AuthDevice

    auth_token, token = get_token_model().objects.create(user=user, expiry=django_settings.AUTH_TOKEN_TTL)
    AuthDevice.objects.create(
        user=user,
        kind=AuthDevice.Kind.TOKEN,
        name="fuzzer",
        platform="",
        user_agent="schemathesis",
        user_agent_fingerprint=secrets.token_hex(32),
        token_key=auth_token.token_key,
        last_seen_at=timezone.now(),
    )
    return token


def _build_world() -> None:
    from accounts.roles import Role
    from content.services import posts as post_services
    from notifications.services import notify
    from social.services.comments import comment_create
    from tests.content.video_factories import VideoFactory
    from tests.factories import UserFactory, with_role
    from tests.streaming.helpers import make_stream

    now = timezone.now()
    creator = UserFactory(handle="fuzz_creator", email_verified_at=now)
    with_role(creator, Role.CREATOR)
    member = UserFactory(handle="fuzz_member", email_verified_at=now)
    with_role(member, Role.CREATOR)
    staff = UserFactory(handle="fuzz_staff", email_verified_at=now)
    with_role(staff, Role.MODERATOR)

    posts = [
        post_services.post_create(
            author=author, content=post_services.PostContent(text=f"Hello #fuzz @fuzz_member {i}")
        )[0]
        for i, author in enumerate([creator, member, creator])
    ]
    videos = [VideoFactory(owner=creator), VideoFactory(owner=member)]
    later = now + dt.timedelta(hours=1)
    streams = [make_stream(creator), make_stream(member, status="scheduled", started_at=None, scheduled_at=later)]
    comments = [
        comment_create(author=member, content=posts[0], text="first"),
        comment_create(author=creator, content=videos[0], text="second"),
    ]
    notify(recipient=member, kind="like", actor=creator, target=posts[1])
    from accounts.models import DataExport

    exports = [DataExport.objects.create(user=member)]

    from accounts.models import User
    from notifications.models import Notification

    _KNOWN.update(
        {
            "posts": [str(p.pk) for p in posts],
            "videos": [str(v.pk) for v in videos],
            "streams": [str(s.pk) for s in streams],
            "comments": [str(c.pk) for c in comments],
            "users": [str(u.pk) for u in User.objects.all()],
            "handles": [u.handle for u in User.objects.all()],
            "notifications": [str(n.pk) for n in Notification.objects.all()],
            "tags": ["fuzz"],
            "exports": [str(e.pk) for e in exports],
        }
    )
    _TOKENS.update({"member": member, "staff": staff})


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """The world, in one transaction that is rolled back when the module is done."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # As Django's test client does: a request must not close the connection that holds the
    # test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Billing's endpoints talk to the local Stripe peer over HTTP, as under `make run` (without it
    # they answer 503 payment_provider_unavailable, which is a server error to the fuzzer).
    with running_peer() as (peer_url, _server), override_settings(STRIPE_API_BASE=peer_url):
        previous_api_base, stripe.api_base = stripe.api_base, peer_url
        try:
            with django_db_blocker.unblock(), transaction.atomic():
                _build_world()
                yield
                transaction.set_rollback(True)
        finally:
            stripe.api_base = previous_api_base
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Path parameters: half of the time an object that exists, picked by the path's first segment.
_PARAMETER_POOLS = {
    "handle": "handles",
    "user_id": "users",
    "comment_id": "comments",
    "post_id": "posts",
    "notification_id": "notifications",
    "tag": "tags",
    "export_id": "exports",
}
_SEGMENT_POOLS = {"posts": "posts", "videos": "videos", "streams": "streams", "comments": "comments"}


def _pool_for(path: str, name: str) -> list[str]:
    if name in _PARAMETER_POOLS:
        return _KNOWN.get(_PARAMETER_POOLS[name], [])
    segment = path.removeprefix("/api/v1/").split("/", 1)[0]
    return _KNOWN.get(_SEGMENT_POOLS.get(segment, ""), [])


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    strategies = {}
    for name, value in path_parameters.items():
        pool = _pool_for(path, name)
        strategies[name] = st.sampled_from(pool) | st.just(value) if pool else st.just(value)
    return st.fixed_dictionaries(strategies)


# ---------------------------------------------------------------------------------------------
# Our own check: an error's code is one the schema lists for that status.
# ---------------------------------------------------------------------------------------------


def _documented_codes(case: Case, status: int) -> list[str] | None:
    if str(status) not in case.operation.definition.raw.get("responses", {}):
        return None  # status_code_conformance reports an undocumented status
    component = case.operation.schema.raw_schema["components"]["schemas"].get(f"Error{status}")
    return component["properties"]["code"]["x-error-codes"] if component else []


@schemathesis.check
def error_code_is_documented(ctx, response, case: Case):
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    known = _documented_codes(case, response.status_code)
    if known is None:
        return None
    for error in body.get("errors", []) if isinstance(body, dict) else []:
        if error.get("code") not in known:
            raise AssertionError(
                f"{response.status_code} `{error.get('code')}` is not among the codes the schema lists: {known}"
            )
    return None


CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
    error_code_is_documented,
]


_COUNTS = {"requests": 0, "operations": set()}


@pytest.fixture(scope="module", autouse=True)
def _timed():
    """The fuzzer's running time, for the summary line (tests/contract/conftest.py)."""
    started = time.monotonic()
    yield
    _COUNTS["seconds"] = time.monotonic() - started


def summary_line() -> str | None:
    """One line for the end of the run: how many operations and requests the fuzzer ran."""
    if not _COUNTS["requests"]:
        return None
    return (
        f"API fuzzer: {len(_COUNTS['operations'])} operations, {_COUNTS['requests']} generated requests "
        f"(max_examples {MAX_EXAMPLES} per operation and caller, seed {SEED}), "
        f"{_COUNTS.get('seconds', 0):.0f} s"
    )


def _fuzz(case: Case, who: str | None) -> None:
    _COUNTS["requests"] += 1
    _COUNTS["operations"].add(case.operation.label)
    headers = {}
    if who is not None:
        headers["Authorization"] = f"Token {_token_for(_TOKENS[who])}"
    case.call_and_validate(headers=headers, checks=CHECKS)


_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each operation starts with empty throttle counters (the fuzzer is one client, one IP)."""
    cache.clear()


@schema.parametrize()
@_SETTINGS
def test_anonymous(case, fuzz_world):
    _fuzz(case, None)


@schema.parametrize()
@_SETTINGS
def test_signed_in(case, fuzz_world):
    _fuzz(case, "member")


# Staff differ from members only on the staff endpoints: the rest would repeat test_signed_in.
@schema.include(path_regex="^/api/v1/staff/").parametrize()
@_SETTINGS
def test_staff(case, fuzz_world):
    _fuzz(case, "staff")


# ---------------------------------------------------------------------------------------------
# Stateful: chains of calls along the links schemathesis infers from the schema (an id a POST
# returns, used by the GET, PATCH and DELETE of that object), as the signed-in member, so the
# fuzzer reaches objects it created itself (own posts, streams, videos, comments).
# ---------------------------------------------------------------------------------------------

STATEFUL_STEPS = int(os.environ.get("FUZZ_STATEFUL_STEPS", "8"))
STATEFUL_SCENARIOS = int(os.environ.get("FUZZ_STATEFUL_SCENARIOS", "25"))


def test_stateful_member_workflows(fuzz_world):
    machine = schema.as_state_machine()

    class MemberWorkflow(machine):
        def get_call_kwargs(self, case):
            _COUNTS["requests"] += 1
            return {"headers": {"Authorization": f"Token {_token_for(_TOKENS['member'])}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    cache.clear()
    MemberWorkflow.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            # As the stateless tests: no shrinking. A shrink replays a chain against a database the
            # earlier steps changed, which hypothesis reports as flaky and hides the first failure.
            phases=[Phase.explicit, Phase.generate],
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
    )
