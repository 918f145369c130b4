"""The exception family of :mod:`sensors`.

::

    SensorError
     ├── RecordingError      a recording that cannot be read or written as asked
     └── SourceError         an IQ source (hardware, replay, simulation) that cannot deliver
"""


class SensorError(Exception):
    """Base of every error the node raises on bad input or unavailable hardware."""


class RecordingError(SensorError):
    """A recording that cannot be read or written; the message names the file and the field."""


class SourceError(SensorError):
    """An IQ source that cannot deliver samples (no dongle, no librtlsdr, a retune that failed)."""
