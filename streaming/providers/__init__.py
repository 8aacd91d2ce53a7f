"""Ingest providers: where a stream's RTMP goes and where its playback comes from."""
