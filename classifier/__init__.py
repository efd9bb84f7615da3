"""Classify scans and match mail to its usager."""
