"""The creator's posts in the studio: the list with counts, compose, edit, delete.
Thin: parse a form, call one service or selector, render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts import selectors as account_selectors
from billing.selectors import tiers_of_creator
from content.dashboard.post_forms import PostComposeForm, PostEditForm
from content.selectors import posts as selectors
from content.services import posts as services
from content.services.post_images import ImageUpload
from core.errors import ApplicationError


def _write_refusal(request) -> str | None:
    """Why this user may not write now (unverified email, suspension, ban), or None."""
    refusal = account_selectors.standing_error(request.user)
    if refusal is not None:
        return refusal.message
    if request.user.email_verified_at is None:
        return "Verify your email address first."
    return None


def _images(form) -> list[ImageUpload]:
    alts = form.alt_texts()
    return [
        ImageUpload(file=file, alt_text=alts[i] if i < 4 else "") for i, file in enumerate(form.cleaned_data["images"])
    ]


def _ask_images_again(request, form) -> None:
    """Browsers do not keep chosen files across a page load: after an error, say so at the field."""
    if request.FILES.getlist("images") and "images" in form.fields and form.errors:
        count = len(request.FILES.getlist("images"))
        form.add_error(
            "images",
            f"The {count} image{'s' if count > 1 else ''} you chose were not saved because of the error above: "
            "choose them again.",
        )


def _show_error(form, error: Exception) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            name = {"poll_options": "poll_option_1", "alt_texts": "alt_text_1"}.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, getattr(error, "message", str(error)))


@login_required
def posts(request):
    return render(
        request,
        "content/studio/post_list.html",
        {"posts": selectors.posts_of_author_for_studio(author=request.user)[:100]},
    )


@login_required
def post_compose(request):
    form = PostComposeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        refusal = _write_refusal(request)
        if refusal:
            form.add_error(None, refusal)
        else:
            data = form.cleaned_data
            poll = None
            if form.poll_options():
                poll = services.PollSpec(
                    options=form.poll_options(),
                    ends_at=data["poll_ends_at"],
                    multiple_choice=data["poll_multiple_choice"],
                )
            content = services.PostContent(
                text=data["text"],
                visibility=data["visibility"],
                minimum_tier=data["minimum_tier"],
                content_warning=data["content_warning"],
                sensitive=data["sensitive"],
                images=_images(form),
                poll=poll,
            )
            try:
                services.post_create(author=request.user, content=content)
            except (ApplicationError, ValidationError) as error:
                _show_error(form, error)
            else:
                messages.success(request, "Your post is published.")
                return redirect("content_posts_studio:posts")
    if request.method == "POST":
        _ask_images_again(request, form)
    return render(request, "content/studio/post_form.html", {"form": form, "title": "New post"})


@login_required
def post_edit(request, post_id: uuid.UUID):
    try:
        post = selectors.post_get_for_author(post_id=post_id, author=request.user)
    except ApplicationError:
        return render(request, "content/studio/post_missing.html", status=404)
    initial = {
        "text": post.text, "content_warning": post.content_warning, "sensitive": post.sensitive,
        "minimum_tier": post.minimum_tier,
    }  # fmt: skip
    form = PostEditForm(
        request.POST or None, request.FILES or None, initial=initial,
        tiers=tiers_of_creator(creator_id=request.user.pk), current_tier=post.minimum_tier,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        refusal = _write_refusal(request)
        if refusal:
            form.add_error(None, refusal)
        else:
            data = form.cleaned_data
            images = [] if data["remove_images"] else (_images(form) or None)
            # Only what changed: a members-only change alone is not an edit (no window, no revision).
            edited = images is not None or (data["text"], data["content_warning"], data["sensitive"]) != (
                post.text, post.content_warning, post.sensitive,
            )  # fmt: skip
            content = {"text": data["text"], "content_warning": data["content_warning"], "sensitive": data["sensitive"]}
            try:
                services.post_update(
                    post=post,
                    by=request.user,
                    minimum_tier=data["minimum_tier"] if data["minimum_tier"] != post.minimum_tier else services.UNSET,
                    images=images,
                    **(content if edited else {}),
                )
            except (ApplicationError, ValidationError) as error:
                _show_error(form, error)
            else:
                messages.success(request, "Your post is updated.")
                return redirect("content_posts_studio:posts")
    if request.method == "POST":
        _ask_images_again(request, form)
    context = {"form": form, "title": "Edit post", "post": post, "images": selectors.post_current_images(post=post)}
    return render(request, "content/studio/post_form.html", context)


@login_required
def post_delete(request, post_id: uuid.UUID):
    """GET asks for confirmation; POST deletes."""
    if request.method != "POST":
        try:
            post = selectors.post_get_for_author(post_id=post_id, author=request.user)
        except ApplicationError:
            return render(request, "content/studio/post_missing.html", status=404)
        return render(
            request,
            "studio/confirm.html",
            {
                "title": "Delete this post?",
                "question": f"“{(post.text or 'A post with images')[:80]}” will be deleted.",
                "consequence": "Its likes, comments and reposts go with it; this cannot be undone.",
                "action": reverse("content_posts_studio:delete", args=[post.pk]),
                "confirm_label": "Delete the post",
                "cancel_url": reverse("content_posts_studio:posts"),
            },
        )
    try:
        post = selectors.post_get_for_author(post_id=post_id, author=request.user)
        services.post_delete(post=post, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your post is deleted.")
    return redirect("content_posts_studio:posts")
