"""Content's writes, one module per subject (videos, video_pipeline, video_views, ...)."""
