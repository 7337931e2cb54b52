"""Reading what a program writes to a pseudo-terminal, for the tests that drive one as a person would."""

import os
import select
import time


def read_until(fd: int, needle: bytes | None = None, timeout: float = 60, seen: bytes = b"", child=None) -> bytes:
    """Read fd until `needle` has appeared, the other end closes, `child` has exited with nothing left to
    read, or `timeout` seconds pass; everything read, after `seen`."""
    end = time.monotonic() + timeout
    while (needle is None or needle not in seen) and time.monotonic() < end:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other end closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif child is not None and child.poll() is not None:
            break
    return seen
