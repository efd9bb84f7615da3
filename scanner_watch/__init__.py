"""Watch the scanners' hot folders and hand stable files to ingest."""
