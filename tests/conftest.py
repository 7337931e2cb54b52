"""Shared fixtures: the real TensorFlow, imported quietly once per session."""

import pytest

from dropout_trace.tfenv import quiet_environment

quiet_environment()  # before anything imports TensorFlow


@pytest.fixture(scope="session")
def tf():
    from dropout_trace.tfenv import import_tensorflow

    return import_tensorflow()[0]


@pytest.fixture(scope="session")
def keras(tf):
    import keras

    return keras


@pytest.fixture(scope="session")
def traced(tf):
    """trace(**options) -> Trace, cached: the same options are traced once per session."""
    from dropout_trace.spec import build_spec
    from dropout_trace.trace import trace_run

    cache = {}

    def trace(**options):
        key = tuple(sorted(options.items()))
        if key not in cache:
            cache[key] = trace_run(build_spec(**options))
        return cache[key]

    return trace
