"""The in-memory channel layer used without Redis (one process: development, tests, small installs).

Channels' own ``InMemoryChannelLayer`` sweeps expired messages and group memberships on every
``receive``, walking every channel and every group member each time: a broadcast to a group of
N sockets makes N receives, so one chat message to 2,000 sockets cost 2,000 x 4,000 steps and
took seconds (bench/bench_chat_fanout.py). This one sweeps at most once a second; expiry (60 s
for messages, a day for group memberships) does not need to be finer than that.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    sweep_interval = 1.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._last_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < self.sweep_interval:
            return
        self._last_sweep = now
        super()._clean_expired()
