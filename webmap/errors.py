"""The one exception family of :mod:`webmap`."""


class WebmapError(ValueError):
    """Bad configuration or input for the central station; the message names the field and what was expected."""


class WireFormatError(WebmapError):
    """A batch or observation that breaks docs/wire-format.md; the message names the field (``observations[2].hop``)."""


class BatchTooLarge(WireFormatError):
    """A body over 1 MiB or a batch over 500 observations: the node halves its batch (HTTP 413)."""
