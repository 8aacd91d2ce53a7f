"""Every kind of notification, registered in one place.

A kind says which channels it uses when the recipient has not chosen otherwise, whether its
notifications on one target merge into a group, its default priority, and whether it is
critical. Critical kinds (security alerts) bypass every preference: they cannot be turned off,
ignore the sender rule and quiet hours. SMS is only ever used by critical kinds.

Other apps name kinds by their string (``"like"``); an unknown kind is a programming error and
``notify`` raises ``unknown_kind``.
"""

from __future__ import annotations

from dataclasses import dataclass

IN_APP = "in_app"
EMAIL = "email"
PUSH = "push"
SMS = "sms"
CHANNELS = (IN_APP, EMAIL, PUSH, SMS)


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    channels: frozenset[str]
    groupable: bool = False
    priority: str = "normal"
    critical: bool = False
    # How one notification reads; {actor} is the first actor, {others} how many more, {title}
    # the target's title snapshot.
    verb: str = ""

    def __post_init__(self) -> None:
        if SMS in self.channels and not self.critical:
            raise ValueError(f"kind {self.name!r}: only critical kinds may use SMS")


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind("like", "Likes", frozenset({IN_APP, PUSH}), groupable=True, priority="low", verb="liked {title}"),
        Kind("comment", "Comments", frozenset({IN_APP, PUSH, EMAIL}), groupable=True, verb="commented on {title}"),
        Kind("reply", "Replies", frozenset({IN_APP, PUSH, EMAIL}), groupable=True, verb="replied to {title}"),
        Kind("repost", "Reposts", frozenset({IN_APP, PUSH}), groupable=True, priority="low", verb="reposted {title}"),
        Kind("quote", "Quotes", frozenset({IN_APP, PUSH}), verb="quoted {title}"),
        Kind("follow", "New followers", frozenset({IN_APP, PUSH}), groupable=True, priority="low",
             verb="started following you"),
        Kind("follow_request", "Follow requests", frozenset({IN_APP, PUSH}), verb="asked to follow you"),
        Kind("follow_request_approved", "Accepted follow requests", frozenset({IN_APP, PUSH}),
             verb="accepted your follow request"),
        Kind("mention", "Mentions", frozenset({IN_APP, PUSH, EMAIL}), verb="mentioned you in {title}"),
        Kind("subscription", "New subscribers", frozenset({IN_APP, PUSH, EMAIL}), groupable=True,
             verb="subscribed to you"),
        Kind("membership_renewed", "Membership renewals and gifts", frozenset({IN_APP, EMAIL}),
             verb="Your membership of {title} is renewed"),
        Kind("membership_renewal_failed", "Failed membership renewals", frozenset({IN_APP, EMAIL, PUSH}),
             priority="high", verb="Your membership renewal failed: {title}"),
        Kind("membership_ending", "Memberships about to end", frozenset({IN_APP, EMAIL}),
             verb="Your membership ends soon: {title}"),
        Kind("membership_price_change", "Membership price changes", frozenset({IN_APP, EMAIL}),
             priority="high", verb="changed the price of {title} from your next renewal"),
        Kind("membership_paused", "Memberships paused or cancelled by moderation", frozenset({IN_APP, EMAIL}),
             priority="high", verb="{title}"),
        Kind("tip", "Tips", frozenset({IN_APP, PUSH, EMAIL}), priority="high", verb="sent you a tip"),
        Kind("payout_sent", "Payouts sent", frozenset({IN_APP, EMAIL}), priority="high",
             verb="Your payout is on its way"),
        Kind("payout_failed", "Payouts failed or returned", frozenset({IN_APP, EMAIL}), priority="high",
             verb="A payout could not be made: the money is back in your available balance"),
        Kind("stream_live", "Live streams", frozenset({IN_APP, PUSH}), priority="high", verb="is live: {title}"),
        Kind("stream_reminder", "Stream reminders", frozenset({IN_APP, PUSH}), priority="high",
             verb="goes live soon: {title}"),
        Kind("stream_ended", "Streams ended by moderators", frozenset({IN_APP, EMAIL}), priority="high",
             verb="A moderator ended your stream {title}"),
        Kind("moderation_action", "Moderation decisions about you", frozenset({IN_APP, EMAIL}), priority="high",
             verb="{title}"),
        Kind("moderation_reversed", "Moderation decisions reversed", frozenset({IN_APP, EMAIL}), priority="high",
             verb="{title}"),
        Kind("report_outcome", "Outcomes of your reports", frozenset({IN_APP, EMAIL}),
             verb="We reviewed {title}"),
        Kind("announcement", "Announcements", frozenset({IN_APP}), verb="{title}"),
        Kind("security_alert", "Security alerts", frozenset({IN_APP, EMAIL, PUSH, SMS}), priority="critical",
             critical=True, verb="{title}"),
    ]
}  # fmt: skip

SENDER_RULES = ("everyone", "following", "mutuals", "nobody")


def kind_get(name: str) -> Kind | None:
    return KINDS.get(name)


# For the OpenAPI schema (one enum, NotificationKindEnum).
KIND_CHOICES = [(kind.name, kind.label) for kind in KINDS.values()]
