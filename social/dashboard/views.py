"""The studio's comments page: comments on the creator's posts and videos that wait for a reply,
each with a reply box. Thin: call one selector or service, render."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from social.selectors import studio as selectors
from social.services.comments import comment_create

WINDOW_DAYS = 28


def _since() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=WINDOW_DAYS)


@login_required
def comments(request):
    waiting = list(selectors.comments_awaiting_reply(user=request.user, since=_since())[:100])
    return render(request, "social/studio/comments.html", {"comments": waiting, "days": WINDOW_DAYS})


@login_required
@require_POST
def comment_reply(request, comment_id: uuid.UUID):
    comment = selectors.comments_awaiting_reply(user=request.user, since=_since()).filter(pk=comment_id).first()
    if comment is None:
        raise Http404("No such comment waiting for your reply.")
    text = request.POST.get("text", "")
    try:
        comment_create(author=request.user, content=comment.post or comment.video, text=text, parent=comment)
    except (ApplicationError, ValidationError) as error:
        detail = getattr(error, "message", None) or "; ".join(getattr(error, "messages", [])) or str(error)
        messages.error(request, f"Your reply was not sent: {detail}")
    else:
        messages.success(request, f"Replied to @{comment.author.handle}.")
    return redirect("social_studio:comments")
