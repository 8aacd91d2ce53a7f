"""Content's reads, one module per subject."""
