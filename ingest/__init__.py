"""The ingest pipeline: small stages from a raw scan to a registered mail item or document."""
