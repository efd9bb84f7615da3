"""Errors of the coffre-fort, each with a message agents can read (from the catalogue)."""

from __future__ import annotations

from registry.i18n import CoffreError


class VaultError(CoffreError):
    """A vault call was refused or failed; nothing was half-written."""


class StorageUnavailable(VaultError):
    """The storage backend could not be reached or answered with an error."""


class RetentionActive(VaultError):
    """Destruction refused: retention not over, or a legal hold is set."""


class Shredded(VaultError):
    """The object's data key was destroyed: its content can never be read again."""


class IntegrityError(VaultError):
    """Stored bytes do not match what was deposited."""
