"""The one exception family of :mod:`locator`."""


class LocatorError(ValueError):
    """Readings the locator cannot work with; the message names the field and what was expected."""
