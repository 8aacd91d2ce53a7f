"""Writes of moderation, one module per concern: reports (and their evidence), cases, actions,
the cross-domain enforcement of suspensions and bans, and the moderation log."""
