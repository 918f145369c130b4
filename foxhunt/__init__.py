"""foxhunt: find pseudo GSM base stations and black FM broadcasts, locate them, build the case."""

__version__ = "0.1.0"
