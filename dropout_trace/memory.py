"""How much memory a run needs at its peak, and how much there is: the estimates the memory check compares.

Each `spec` here is a spec.RunSpec. No TensorFlow here, and nothing from spec: spec's validation calls in.
"""

from __future__ import annotations

import math
import os
import sys

ITEMSIZE = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}
UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
FULL_UP_TO = 10_000  # without --values, a tensor's values are written up to this many elements, a summary above
# What a run needs besides its arrays: TensorFlow and Keras loaded (a tiny run peaks at about 0.55 GiB).
LIBRARY_BYTES = 600 * 2**20


def human_bytes(n: int) -> str:
    """12884901888 -> '12.0 GiB'."""
    size, unit = float(n), 0
    while size >= 1024 and unit < len(UNITS) - 1:
        size, unit = size / 1024, unit + 1
    return f"{int(size)} B" if unit == 0 else f"{size:.1f} {UNITS[unit]}"


def estimate_bytes(spec, fmt: str = "text", values: str | None = None, export: str | None = None) -> int:
    """About how much memory a run needs at its peak: the library, plus its arrays per input element, plus
    the JSON it writes (`fmt` json, or `export` to a .json file) with the values `values` asks for.

    The counts below are input-sized arrays alive at the peak, fitted to the peak RSS measured for
    float16 to float64, graph and eager, 1 to 3 calls, 1 to 8 million elements, and rounded up; every
    array is counted at the input's size, an over-count where a noise shape shares draws.
    """
    # under --replicas the global batch; with several --batch sizes every call is counted at the largest
    n = math.prod(spec.largest_run_shape) * (spec.replicas or 1)
    item = max(ITEMSIZE.get(d, 0) for d in (spec.dtype, spec.layer_dtype))
    # once a run: the input made in float64 and its float64 constant (16 bytes), and about 8 arrays in the
    # dtype (the input and the snapshot's copy, a fresh reference call, the check's recomputation); eager
    # keeps every landmark's locals live beside their copies, about 26
    once = 24 + (26 if spec.eager else 8) * item
    # each call: uniforms, x * scale and output in the library and their captured copies; two masks
    per_call = 6 * item + 2
    return LIBRARY_BYTES + n * (once + len(spec.call_sizes) * per_call) + json_bytes(spec, fmt, values, export)


# The JSON of a run's tensors, per element written in full: the table holds nested Python lists (a float is
# a 24-byte object and an 8-byte slot, a bool only the slot; with the allocator's pools and the float64 copy
# each tensor is widened through, 38 and 9 fit the measured peak, rounded up).
# On screen the text is written row by row; an --export to .json makes the whole text at once (about 21
# characters a float, 7 a bool, "false, "), kept in about 3 copies (the buffer, the string, its encoding).
JSON_LIST_BYTES = {"float": 38, "bool": 9}
JSON_TEXT_BYTES = {"float": 21, "bool": 7}
JSON_TEXT_COPIES = 3


def writes_json(fmt: str, export: str | None) -> tuple[bool, bool]:
    """(whether JSON is written at all, whether its whole text is made at once: an --export to .json)."""
    whole = export is not None and str(export).lower().endswith(".json")
    return fmt == "json" or whole, whole


def json_elements(spec, values: str | None) -> int:
    """How many elements of each input-sized tensor `run --format json` writes in full under --values."""
    n = math.prod(spec.largest_run_shape) * (spec.replicas or 1)
    return n if values == "full" or (values is None and n <= FULL_UP_TO) else 0


def json_bytes(spec, fmt: str = "text", values: str | None = None, export: str | None = None) -> int:
    """The memory the JSON of `run` needs for the values `values` asks for; 0 without JSON or full values.

    Its tensors: the input, and each call's uniforms, output (floats) and keep mask (bool); the input cast
    to the layer's dtype when that differs; under --replicas each replica's input, uniforms, output and mask.
    """
    any_json, whole = writes_json(fmt, export)
    full = json_elements(spec, values) if any_json else 0
    if not full:
        return 0
    cast = spec.policy is not None or spec.layer_dtype not in (None, spec.dtype)
    calls = len(spec.call_sizes)
    floats = 1 + 2 * calls + cast + (3 if spec.replicas else 0)
    bools = calls + (1 if spec.replicas else 0)
    per = floats * JSON_LIST_BYTES["float"] + bools * JSON_LIST_BYTES["bool"]
    if whole:
        per += JSON_TEXT_COPIES * (floats * JSON_TEXT_BYTES["float"] + bools * JSON_TEXT_BYTES["bool"])
    return full * per

def available_memory() -> int | None:
    """Bytes the kernel says can still be allocated without swapping (MemAvailable); None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:  # no /proc (macOS, BSD): free pages, where the system reports them
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def memory_problem(spec, size: str, runs: int = 1, fmt: str = "text", values: str | None = None,
                   export: str | None = None) -> str | None:
    """Why a run would not fit in memory (None: it fits); `runs` traces kept alive at once (compare keeps one
    for each API) need their arrays `runs` times over; the JSON of a run (`fmt`, `values`, `export`, as for
    estimate_bytes) is counted once."""
    for_json = json_bytes(spec, fmt, values, export)
    need = LIBRARY_BYTES + runs * (estimate_bytes(spec) - LIBRARY_BYTES) + for_json
    if "tensorflow" in sys.modules:  # loaded already (the shell, a notebook): its memory is in use, not to come
        need -= LIBRARY_BYTES
    cap = spec.max_memory if spec.max_memory is not None else available_memory()
    if cap is None or need <= cap:
        return None
    where = f"the --max-memory of {human_bytes(cap)}" if spec.max_memory is not None else \
        f"the {human_bytes(cap)} of memory available"
    suggest = math.ceil(need / 2**30)
    dtype = max((spec.dtype, spec.layer_dtype), key=lambda d: ITEMSIZE.get(d, 0))  # the one estimate_bytes counts
    who = f"a {dtype} run needs" if runs == 1 else f"those {dtype} runs need"
    if for_json:  # the JSON's full values are part of it: --values summary writes a few numbers per tensor instead
        return (f"{size}: {who} about {human_bytes(need)} at {'its' if runs == 1 else 'their'} peak, "
                f"{human_bytes(for_json)} of it for the JSON's full values, more than {where}; use a "
                "smaller shape or --values summary (or none), or raise the cap with --max-memory, e.g. "
                f"--max-memory {suggest}G")
    return (f"{size}: {who} about {human_bytes(need)} at {'its' if runs == 1 else 'their'} peak, more than {where}; "
            f"use a smaller shape, or raise the cap with --max-memory, e.g. --max-memory {suggest}G")
