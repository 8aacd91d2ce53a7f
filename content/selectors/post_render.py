"""What a post's representation needs beyond its row, read with it in one statement.

A post renders its current images, its mentions, its poll's options and the viewer's vote, and
its original's (a repost or quote). The ORM reads them with one prefetch query each
(``content.selectors.posts._with_related``); :func:`with_render_extras` adds them to the post's
own statement as two JSON columns (one for the post, one for its original), and
:func:`render_extras_attach` puts them where the post serializers read them, as the prefetches
would. :data:`PAGE_POSTS` reads posts by id with their authors, originals, polls and these
columns, compiled once (``core.compiled``): the feeds' pages and the post page use it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection
from django.db.models import BooleanField, JSONField, QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import User
from content.models import PollOption, PollVote, Post, PostImage
from core.compiled import CompiledQuery, Param


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


# What rendering a post needs besides its own row (its current images, its mentions, its poll's
# options and the viewer's vote), for the post and for its original, as two JSON columns of the
# posts query itself, built by correlated subqueries over the page's rows only and read back into
# model instances as ``.only()`` would make them. A page is then the same number of queries
# whatever mix of images, mentions, polls, reposts and quotes it holds. The SQL is written out
# (table and column names from the models, values as parameters): the same columns as ORM
# subquery expressions took longer to compile, on every page, than the query took to run.
_IMAGE_FIELDS = ("id", "post_id", "position", "full", "feed", "width", "height", "alt_text")
_OPTION_FIELDS = ("id", "poll_id", "position", "label", "votes_count")
_MENTION_FIELDS = ("id", "handle", "display_name")


def _json_object(alias: str, model, fields: tuple[str, ...]) -> str:
    """``jsonb_build_object('name', alias."column", ...)`` for ``fields`` of ``model``."""
    parts = []
    for name in fields:
        column = model._meta.get_field(name.removesuffix("_id")).column
        parts.append(f"'{name}', {alias}.\"{column}\"")
    return f"jsonb_build_object({', '.join(parts)})"


def _extras_sql(ref: str) -> str:
    """One JSON object (``images``, ``mentions``, ``options``, ``vote``) for the post whose id is
    the outer query's column ``ref``; ``%s`` is the viewer's id (NULL when signed out)."""
    image = PostImage._meta.db_table
    through = Post.mentions.through._meta.db_table
    user = User._meta.db_table
    poll = PollOption._meta.get_field("poll").related_model._meta.db_table
    option = PollOption._meta.db_table
    vote = PollVote._meta.db_table
    images = _json_object("i", PostImage, _IMAGE_FIELDS)
    mentions = _json_object("u", User, _MENTION_FIELDS)
    options = _json_object("o", PollOption, _OPTION_FIELDS)
    return f"""jsonb_build_object(
        'images', (SELECT coalesce(jsonb_agg({images} ORDER BY i.position), '[]') FROM {image} i
                   WHERE i.post_id = {ref} AND i.detached_at IS NULL),
        'mentions', (SELECT coalesce(jsonb_agg({mentions} ORDER BY m.id), '[]') FROM {through} m
                     JOIN {user} u ON u.id = m.user_id WHERE m.post_id = {ref}),
        'options', (SELECT coalesce(jsonb_agg({options} ORDER BY o.position), '[]') FROM {option} o
                    JOIN {poll} pl ON pl.id = o.poll_id WHERE pl.post_id = {ref}),
        'vote', (SELECT v.option_ids FROM {vote} v JOIN {poll} pl ON pl.id = v.poll_id
                 WHERE pl.post_id = {ref} AND v.user_id = %s))"""  # noqa: S608


_EXTRAS: dict[str, str] = {}


def _extras() -> dict[str, str]:
    if not _EXTRAS:
        table = Post._meta.db_table
        _EXTRAS["post"] = _extras_sql(f'"{table}"."id"')
        original = f'"{table}"."original_id"'
        _EXTRAS["original"] = f"CASE WHEN {original} IS NULL THEN NULL ELSE {_extras_sql(original)} END"
    return _EXTRAS


def with_render_extras(queryset: QuerySet[Post], *, user: User | None, viewer: Any = None) -> QuerySet[Post]:
    """``queryset`` with what :func:`render_extras_attach` needs, for each post (``x_extras``)
    and its original (``xo_extras``). ``queryset`` must select from the posts table itself.
    ``viewer`` stands for the viewer's id where ``user`` is None (a ``core.compiled.Param``)."""
    extras = _extras()
    params = [user.pk if _signed_in(user) else viewer]
    return queryset.annotate(
        x_extras=RawSQL(extras["post"], params, output_field=JSONField()),  # noqa: S611 (names from the models; the viewer a parameter)
        xo_extras=RawSQL(extras["original"], params, output_field=JSONField()),  # noqa: S611
    )


def _instances(model, fields: tuple[str, ...], rows: list[dict] | None, uuids: tuple[str, ...]) -> list:
    db = connection.alias
    made = []
    for row in rows or ():
        values = [uuid.UUID(row[name]) if name in uuids and row[name] is not None else row[name] for name in fields]
        made.append(model.from_db(db, fields, values))
    return made


def _prefetched(manager, objects: list) -> QuerySet:
    # What ``prefetch_related_objects`` leaves in an instance's cache: the relation's queryset
    # with its results already in place.
    queryset = manager.get_queryset()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    return queryset


_NO_MENTIONS = User.objects.none()


def _attach(post: Post, extras: dict, *, signed_in: bool) -> None:
    post.current_images = _instances(PostImage, _IMAGE_FIELDS, extras["images"], ("id", "post_id"))
    mentioned = extras["mentions"]
    cache = post.__dict__.setdefault("_prefetched_objects_cache", {})
    cache["mentions"] = (
        _prefetched(post.mentions, _instances(User, _MENTION_FIELDS, mentioned, ("id",))) if mentioned else _NO_MENTIONS
    )
    try:
        poll = post.poll
    except Post.poll.RelatedObjectDoesNotExist:
        return
    options = _instances(PollOption, _OPTION_FIELDS, extras["options"], ("id", "poll_id"))
    poll.__dict__.setdefault("_prefetched_objects_cache", {})["options"] = _prefetched(poll.options, options)
    option_ids = extras["vote"] if signed_in else None
    poll.viewer_votes = [] if option_ids is None else [PollVote(poll_id=poll.pk, option_ids=_uuids(option_ids))]


def _uuids(values: list) -> list[uuid.UUID]:
    return [value if isinstance(value, uuid.UUID) else uuid.UUID(value) for value in values]


def render_extras_attach(posts: list[Post], *, user: User | None) -> None:
    """Put the columns :func:`with_render_extras` added where the post serializers read them:
    ``current_images``, the ``mentions`` and poll ``options`` caches, the poll's ``viewer_votes``."""
    signed_in = _signed_in(user)
    for post in posts:
        _attach(post, post.x_extras, signed_in=signed_in)
        if post.original is not None:
            _attach(post.original, post.xo_extras, signed_in=signed_in)


def _hydrated_posts(ids: Param, viewer: Param) -> QuerySet[Post]:
    table = Post._meta.db_table
    posts = Post.objects.filter(
        RawSQL(f'"{table}"."id" = ANY(%s::uuid[])', [ids], output_field=BooleanField())  # noqa: S611 (the table from the model; the ids a parameter)
    )
    related = ("author", "poll", "original", "original__author", "original__poll")
    # No ORDER BY: the page's order is the page statement's (an ordered query hashes every selected column).
    return with_render_extras(posts.select_related(*related).order_by(), user=None, viewer=viewer)


# Posts (authors, originals, polls, render extras) by id, compiled once (core.compiled): building
# and compiling this queryset cost more CPU than running it.
PAGE_POSTS = CompiledQuery(_hydrated_posts, "ids", "viewer", prepare=True)
