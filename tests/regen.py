"""DROPOUT_TRACE_REGEN=1: the golden text and the recorded snapshots are written anew instead of compared."""

import os

REGEN = os.environ.get("DROPOUT_TRACE_REGEN") == "1"
