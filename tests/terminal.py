"""Reading what a program writes to a pseudo-terminal, for the tests that drive one as a person would."""

import os
import re
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


PAUSE = re.compile(rb"(?:\x1b\[2m)?\xe2\x94\x80\xe2\x94\x80 next: (.*?) \xc2\xb7 Space: next \xc2\xb7 b: back \xc2\xb7 q: quit "
                   rb"\xe2\x94\x80\xe2\x94\x80(?:\x1b\[0m)?")


class Stepped:
    """A command on a pseudo-terminal `columns` x `rows`, in step mode: answer(i, label) gives the key(s) to
    press at pause i. steps[i] is what the terminal received before pause i (the last: after the last pause),
    labels[i] what pause i said comes next; status, its exit status. python: the interpreter's arguments
    before `args` (default: -m dropout_trace)."""

    def __init__(self, args: list[str], columns: int, rows: int, answer, env_extra: dict | None = None,
                 timeout: float = 180, python: list[str] | None = None):
        import fcntl
        import pty
        import signal
        import struct
        import sys
        import termios

        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
        env.update(TERM="xterm", **(env_extra or {}))
        pid, master = pty.fork()  # the child's controlling terminal: Ctrl-C there is a signal, as in a shell
        if pid == 0:
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
            os.execve(sys.executable, [sys.executable, *(python or ["-m", "dropout_trace"]), *args], env)
        child = _Child(pid)
        self.steps: list[bytes] = []
        self.labels: list[str] = []
        seen, start, end = b"", 0, time.monotonic() + timeout
        try:
            while time.monotonic() < end:
                found = PAUSE.search(seen, start)
                if found:
                    self.steps.append(seen[start:found.start()])
                    self.labels.append(found.group(1).decode())
                    start = found.end()
                    os.write(master, answer(len(self.labels) - 1, self.labels[-1]))
                    continue
                more = _read_some(master, 0.5)
                if more is None or (not more and child.poll() is not None):
                    break
                seen += more
            self.steps.append(seen[start:])
            self.status = child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
            os.close(master)
        self.output = seen


class _Child:
    """A forked child's exit status, as subprocess.Popen gives it."""

    def __init__(self, pid: int):
        self.pid, self.status = pid, None

    def poll(self):
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def wait(self, timeout: float):
        end = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > end:
                raise TimeoutError(f"the child {self.pid} has not ended within {timeout} s")
            time.sleep(0.05)
        return self.status

    def kill(self):
        import signal

        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def _read_some(fd: int, wait: float) -> bytes | None:
    """What fd has within `wait` seconds (b'' for nothing yet); None once the other end has closed."""
    if not select.select([fd], [], [], wait)[0]:
        return b""
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        return None
    return chunk or None


def rows_taken(shown: bytes, columns: int) -> int:
    """The rows `shown` takes on a terminal `columns` wide, as a VT emulator lays it out (pyte), from a cleared
    screen: the row the cursor ends on, and one more if text stands on it."""
    import pyte

    screen = pyte.Screen(columns, 1000)
    stream = pyte.ByteStream(screen)
    stream.feed(shown)
    return screen.cursor.y + (1 if screen.cursor.x else 0)
