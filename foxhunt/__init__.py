"""foxhunt: find pseudo GSM base stations and black FM broadcasts, locate them, build the case."""

import os

__version__ = "0.1.0"

# The command line and the server run many small linear-algebra problems (locator fits); OpenBLAS's
# thread pool makes those slower, not faster, on the 2–4 cores of a node or a van laptop. An
# explicit setting in the environment still wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
