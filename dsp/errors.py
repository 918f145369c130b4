"""The one exception family of :mod:`dsp`."""


class DspError(ValueError):
    """Input a DSP function cannot work with (wrong dtype or shape, a rate too low, ...)."""
