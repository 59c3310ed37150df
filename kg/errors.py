"""The one exception type the CLI turns into a clean message and exit code 2."""


class KGError(Exception):
    """A problem the user can fix: bad input, a bad option, an unwritable path."""
