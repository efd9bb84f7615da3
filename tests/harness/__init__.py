"""Test harnesses that run real external services as local processes."""
