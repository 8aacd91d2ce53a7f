"""Content's reads. ``content.selectors.posts`` for posts; other modules for other kinds of content."""
