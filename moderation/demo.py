"""Demo data: a few open cases in the queue (``manage.py seed_demo``). Idempotent: each demo
report is made once (found again by its demo key, even after a moderator handled it)."""

from __future__ import annotations

from accounts import selectors as account_selectors
from moderation.models import Category, Report, Rule, TargetType
from moderation.services.reports import report_create


def _report(*, key: str, reporter, target_type: str, target_id, category: str, comment: str, rule=None) -> bool:
    if Report.objects.filter(extra_metadata__demo_key=key).exists():
        return False
    report, _ = report_create(
        reporter=reporter, target_type=target_type, target_id=target_id, category=category, comment=comment, rule=rule
    )
    Report.objects.filter(pk=report.pk).update(extra_metadata={"demo_key": key})
    return True


def seed(*, report) -> None:
    from content.models import Post
    from social.models import Comment

    creator = account_selectors.user_by_email(email="creator@fanfare.local")
    viewer = account_selectors.user_by_email(email="viewer@fanfare.local")
    admin = account_selectors.user_by_email(email="admin@fanfare.local")
    if creator is None or viewer is None or admin is None:
        return
    made = 0
    spam = Rule.objects.filter(title="No spam").first()
    post = Post.objects.filter(author=creator, idempotency_key="demo-post-sketches").first()
    if post is not None:
        made += _report(key="demo-report-post-spam", reporter=viewer, target_type=TargetType.POST, target_id=post.pk,
                        category=Category.SPAM, comment="Posts the same link every day.", rule=spam)  # fmt: skip
        made += _report(key="demo-report-post-spam-2", reporter=admin, target_type=TargetType.POST,
                        target_id=post.pk, category=Category.SPAM, comment="Second reporter.")  # fmt: skip
    comment = Comment.objects.filter(author=viewer, extra_metadata__demo_key="demo-comment-fox-reply-2").first()
    if comment is not None:
        made += _report(key="demo-report-comment", reporter=creator, target_type=TargetType.COMMENT,
                        target_id=comment.pk, category=Category.HARASSMENT, comment="Not nice.")  # fmt: skip
    poll = Post.objects.filter(author=creator, idempotency_key="demo-post-poll").first()
    if poll is not None:
        made += _report(key="demo-report-urgent", reporter=viewer, target_type=TargetType.POST, target_id=poll.pk,
                        category=Category.SELF_HARM, comment="Demo of an urgent case.")  # fmt: skip
    made += _report(key="demo-report-user", reporter=viewer, target_type=TargetType.USER, target_id=creator.pk,
                    category=Category.IMPERSONATION, comment="Pretends to be a famous painter.")  # fmt: skip
    report(f"moderation: {made} demo reports; open cases in /admin/moderation/case/")
