"""A new entry point is one registered object: it shows up in run --api, --help, versions and compare
without editing any other module. The fake one here wraps tf.nn.experimental.stateless_dropout under a
name of its own, registered before the CLI is imported, as a plugin would be."""

import json
import subprocess
import sys

import numpy as np

FAKE = '''
from dropout_trace import apis
from dropout_trace.apis.base import COMMON, Function, noise_kw, number


class ScaledByHand(Function):
    """tf.nn.experimental.stateless_dropout, reached through a plain function of this test's own."""

    name = "test.fake_dropout"
    summary = "a test's own entry point: a plain function around stateless_dropout"

    def landmark_keys(self, rng):
        return ("tf.stateless_dropout", *COMMON, "tf.stateless_random_uniform")

    def text(self, spec):
        return f"fake_dropout(x, {number(spec.rate)}{noise_kw(spec)}, seed={spec.seed})"

    def make(self, spec, tf, seed=None):
        s = spec.seed if seed is None else seed
        return None, lambda x: tf.nn.experimental.stateless_dropout(x, rate=spec.rate, seed=[s, 0],
                                                                    noise_shape=spec.noise_shape), ()

    def state_kind(self, spec, rng):
        return "constant_seed"

    def reference(self, rng):
        return "the same call again: its seed is its whole random state"

    def front(self, b):
        return [b.function_call("tf.stateless_dropout", ("x", "rate", "noise_shape"), excerpt=False),
                b.stateless_seed(), b.op_stage("tf.stateless_dropout", ("x", "rate", "seed", "rng_alg"))]


apis.register(ScaledByHand())
import sys
from dropout_trace.cli import main
sys.exit(main(sys.argv[1:]))
'''


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", FAKE, *args], capture_output=True, text=True, timeout=300,
                          env={"COLUMNS": "200", "NO_COLOR": "1", **__import__("os").environ})


def test_a_registered_api_is_traced_and_checked(tf):
    done = cli("run", "--api", "test.fake_dropout", "--rate", "0.3", "--shape", "None,4", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["api"] == "test.fake_dropout" and data["call"].startswith("fake_dropout(x, 0.3")
    assert data["check"]["passed"] is True
    # Independently of the tool: the stateless sampler with seed [42, 0] gives this mask.
    expected = tf.random.stateless_uniform([3, 4], seed=[42, 0]).numpy() >= np.float32(0.3)
    mask = np.asarray(data["tensors"][data["calls"][0]["keep_mask"]]["values"])
    assert np.array_equal(mask, expected)


def test_a_registered_api_is_in_help_versions_and_compare():
    helped = cli("run", "--help")
    assert helped.returncode == 0 and "test.fake_dropout" in helped.stdout
    versions = cli("versions", "--format", "json")
    assert versions.returncode == 0, versions.stderr
    listed = {a["api"]: a for a in json.loads(versions.stdout)["apis"]}
    assert listed["test.fake_dropout"]["available"]
    assert "a test's own entry point" in cli("versions").stdout
    compared = cli("compare", "--rate", "0.3", "--shape", "None,4", "--format", "json")
    assert compared.returncode == 0, compared.stderr
    entries = {e["api"]: e for e in json.loads(compared.stdout)["entries"]}
    assert entries["test.fake_dropout"]["check"] is True
    # the same sampler and seed derivation as stateless dropout: the same mask, grouped with it
    groups = [g["apis"] for g in json.loads(compared.stdout)["groups"]]
    assert any({"test.fake_dropout", "stateless"} <= set(labels) for labels in groups)
