"""What the account purge does with streaming: a purged account's streams end and go, IVS channels too.

(The chat part adds its own step for chat messages and viewer rows.)"""

from accounts.deletion import PurgeStep, register
from streaming.models import LiveStream
from streaming.services.streams import streams_purge_of_owner


def purge_streams(user) -> list[PurgeStep]:
    count = LiveStream.objects.filter(owner=user).count()
    if not count:
        return []
    return [
        PurgeStep(
            f"end and delete {count} live streams (and their IVS channels)", lambda: streams_purge_of_owner(user=user)
        )
    ]


register("streaming", purge_streams)
