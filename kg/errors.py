"""The exceptions the CLI turns into a clean message: exit code 2 (KGError), 1 (GateFailed)."""


class KGError(Exception):
    """A problem the user can fix: bad input, a bad option, an unwritable path."""


class GateFailed(KGError):
    """The quality gate found errors; ``details`` is the table to show before the message."""

    def __init__(self, message: str, details: str) -> None:
        super().__init__(message)
        self.details = details
