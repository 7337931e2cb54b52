"""Every --format json output against the JSON Schema shipped in the package, and the tensors it names
checked independently: each mask recomputed from the JSON's own uniforms, each output from its input.

Every command's JSON (run, chain, graph, compare, versions, stats, explain) starts with schema_version 4 and
tool_version, and every key in it is an identifier. The one mapping keyed by names rather than by fields is a
`tensors` table (run's and compare's top level): its keys are tensor names, checked on their own."""

import importlib.metadata
import json
import re
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
from jsonschema import Draft202012Validator

from dropout_trace import lessons
from dropout_trace.cli import main

from schema_checks import schema

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
RUN_BASE = ["--rate", "0.3", "--shape", "None,4"]

# (command line, expected exit status): every entry point and kind of run, refusals included
RUNS = {
    "keras": (RUN_BASE, 0),
    "calls": (RUN_BASE + ["--calls", "3"], 0),
    "eager": (RUN_BASE + ["--eager"], 0),
    "rate0": (["--rate", "0", "--shape", "None,4"], 0),
    "no_training": (RUN_BASE + ["--no-training"], 0),
    "unseeded": (RUN_BASE + ["--seed", "none"], 0),
    "policy": (RUN_BASE + ["--policy", "mixed_float16"], 0),
    "bfloat16_rank3": (["--rate", "0.3", "--shape", "None,None,8", "--dtype", "bfloat16", "--batch", "2"], 0),
    "float16_eager": (RUN_BASE + ["--dtype", "float16", "--eager"], 0),
    "noise_rows": (["--rate", "0.5", "--shape", "None,3", "--noise-shape", "None,1"], 0),
    "tf_nn": (["--api", "tf.nn.dropout"] + RUN_BASE + ["--calls", "2"], 0),
    "refused": (["--api", "tf.nn.dropout"] + RUN_BASE + ["--noise-shape", "None,1"], 4),
    "v1": (["--api", "tf.compat.v1.nn.dropout", "--keep-prob", "0.7", "--shape", "None,4"], 0),
    "stateless_rate_tensor": (["--api", "stateless"] + RUN_BASE + ["--rate-tensor"], 0),
    "keras_random": (["--api", "keras.random.dropout"] + RUN_BASE, 0),
    "tf_keras_stateful": (["--api", "tf-keras", "--rng", "stateful"] + RUN_BASE, 0),
    "tf_keras_legacy": (["--api", "tf-keras", "--rng", "legacy"] + RUN_BASE + ["--calls", "2"], 0),
    "spatial2d": (["--api", "spatial2d", "--rate", "0.5", "--shape", "None,2,2,3"], 0),
    "values_full": (RUN_BASE + ["--values", "full"], 0),
    "values_summary": (RUN_BASE + ["--values", "summary"], 0),
    "values_none": (RUN_BASE + ["--values", "none"], 0),
    "large": (["--rate", "0.3", "--shape", "None,128", "--batch", "100"], 0),  # 12,800 elements: summaries
    "grad": (RUN_BASE + ["--grad", "--calls", "2", "--upstream", "normal"], 0),
    "grad_rate1": (["--rate", "1", "--shape", "None,4", "--grad"], 0),
    "grad_eager": (RUN_BASE + ["--grad", "--eager", "--api", "tf-keras"], 0),
}
# the run's own tensors (call 1), under fixed names; everything else in `tensors` is named from somewhere
OWN = {"input", "seed", "global_seed", "op_seed", "random", "keep_mask", "output"}


def validate(command: str, data) -> None:
    errors = sorted(Draft202012Validator(schema(command)).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])


def cli_json(capsys, *args, status: int = 0):
    got = main([*args, "--format", "json"])
    out = capsys.readouterr()
    assert got == status, out.err
    return json.loads(out.out)


@pytest.fixture(scope="module")
def runs(tf):
    """Each RUNS entry as `run --format json` printed it, traced once per module."""
    done = {}

    def get(name, capsys):
        if name not in done:
            args, status = RUNS[name]
            done[name] = cli_json(capsys, "run", *args, status=status)
        return done[name]

    return get


def keys(data, path=""):
    """Every (path, key) of every object in data, but a `tensors` table's names (see tensor_names)."""
    if isinstance(data, dict):
        for k, v in data.items():
            if path == "/tensors":  # a tensor's name: not a field; its entry's fields are keys
                yield from keys(v, f"{path}/{k}")
                continue
            yield path, k
            if k != "values" or not path.startswith("/tensors/"):  # a tensor's values hold no keys
                yield from keys(v, f"{path}/{k}")
    elif isinstance(data, list):
        for v in data:
            yield from keys(v, path)


def tensor_names(data) -> list[str]:
    """The names in the top-level `tensors` table: the only keys that are names, not fields."""
    return list(data.get("tensors") or {})


def check_document(command: str, data) -> None:
    """What every command's JSON promises: its shipped schema, identifiers for keys, and its header."""
    validate(command, data)
    bad = [f"{p}/{k}" for p, k in keys(data) if not IDENTIFIER.match(k)]
    assert not bad, bad  # identifiers, not display labels
    assert list(data)[:2] == ["schema_version", "tool_version"]  # first, in every command's JSON
    assert data["schema_version"] == 4
    assert data["tool_version"] == importlib.metadata.version("dropout-trace")
    # tensor names are made from the run's own names (input, call_2_keep_mask, replica_1_output, mask_a):
    # identifiers today, and each entry of the table is a tensor's dtype and shape (and values or summary)
    for name in tensor_names(data):
        assert IDENTIFIER.match(name), name
        assert {"dtype", "shape"} <= set(data["tensors"][name]) <= {"dtype", "shape", "values", "summary"}


def references(run: dict) -> list[str]:
    """Every tensor name used outside the table, read from where the layout puts them."""
    names = []
    for stage in run["stages"]:
        for value in stage["values"].values():
            for side in [value["runtime"], *((value["runtime"] or {}).get("items") or [])]:
                if side and "tensor" in side:
                    names += [side["tensor"], *side.get("calls", [])]
    for call in run["calls"] + [c for r in run["replicas"] or [] for c in r["calls"]]:
        names += [call[k] for k in ("random", "keep_mask", "output", "upstream", "gradient") if k in call]
    for rep in run["replicas"] or []:
        names += [rep[k] for k in ("input", "random", "keep_mask", "output")]
    return [n for n in names if n is not None]


def array(run: dict, name: str) -> np.ndarray:
    """A named tensor's values in its own dtype (the JSON widens floats exactly to float64)."""
    entry = run["tensors"][name]
    dtype = ml_dtypes.bfloat16 if entry["dtype"] == "bfloat16" else np.dtype(entry["dtype"])
    a = np.asarray(entry["values"], dtype=np.float64 if entry["dtype"] != "bool" else bool)
    assert list(a.shape) == entry["shape"]
    return a.astype(dtype)


# -- run --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(RUNS))
def test_run_json_matches_its_schema(runs, capsys, name):
    data = runs(name, capsys)
    check_document("run", data)
    used = references(data)
    assert set(used) <= set(data["tensors"]), set(used) - set(data["tensors"])
    assert set(data["tensors"]) - set(used) <= OWN  # nothing in the table that nothing names


@pytest.mark.parametrize("name", ["keras", "calls", "bfloat16_rank3", "spatial2d"])
def test_each_tensor_is_written_once(runs, capsys, name):
    data = runs(name, capsys)
    seen = {}
    for entry_name, entry in data["tensors"].items():
        if entry["dtype"] in ("bool", "float16", "bfloat16", "float32", "float64"):  # data, not seeds or shapes
            key = (entry["dtype"], json.dumps(entry["shape"]), json.dumps(entry["values"]))
            assert key not in seen, f"{entry_name} repeats {seen[key]}"
            seen[key] = entry_name
    # the input that every stage holds is one entry, named input, wherever it appears
    holders = [v["runtime"]["tensor"] for s in data["stages"] for label, v in s["values"].items()
               if label in ("x", "inputs") and v["runtime"] and "tensor" in v["runtime"]]
    assert holders and set(holders) == {"input"}


def test_rate_0_keeps_output_and_input_apart(runs, capsys):
    data = runs("rate0", capsys)
    assert data["tensors"]["output"]["values"] == data["tensors"]["input"]["values"]  # dropout returned x
    assert "random" not in data["tensors"] and data["calls"][0]["random"] is None


# -- the named tensors, checked from the JSON alone ---------------------------------------------------
@pytest.mark.parametrize("name", ["keras", "calls", "eager", "bfloat16_rank3", "float16_eager", "noise_rows",
                                  "tf_nn", "v1", "stateless_rate_tensor", "keras_random", "tf_keras_stateful",
                                  "tf_keras_legacy", "spatial2d", "unseeded", "policy"])
def test_named_tensors_are_a_dropout(runs, capsys, name):
    """keep = uniform >= rate (the rate in the draws' dtype), and output = input * keep / (1 - rate) within
    two units in the last place of the dtype, recomputed with numpy from the JSON's own tensors."""
    data = runs(name, capsys)
    rate = data["rate"]
    x = array(data, "input").astype(np.float64)
    assert len(data["calls"]) == {"calls": 3, "tf_nn": 2, "tf_keras_legacy": 2}.get(name, 1)
    for call in data["calls"]:
        uniform, mask, out = (array(data, call[k]) for k in ("random", "keep_mask", "output"))
        assert uniform.min() >= 0 and uniform.max() < 1
        assert np.array_equal(mask, uniform >= np.asarray(rate, dtype=uniform.dtype))
        expected = np.where(np.broadcast_to(mask, x.shape), x / (1 - rate), 0.0)
        eps = float(ml_dtypes.finfo(out.dtype).eps)  # numpy's finfo does not know bfloat16
        assert np.allclose(out.astype(np.float64), expected, rtol=2 * eps, atol=0), name
    if name == "noise_rows":  # one draw per row, shared along the features
        assert data["tensors"][data["calls"][0]["keep_mask"]]["shape"] == [3, 1]


def test_stage_values_name_the_same_tensors_as_the_calls(runs, capsys):
    data = runs("calls", capsys)
    stage = {s["name"]: s for s in data["stages"]}
    uniform = stage["uniform"]["values"]["random_tensor"]["runtime"]
    mask = stage["keep_mask"]["values"]["keep_mask"]["runtime"]
    assert uniform["calls"] == [c["random"] for c in data["calls"]]
    assert mask["calls"] == [c["keep_mask"] for c in data["calls"]]
    assert uniform["tensor"] == "random" and mask["tensor"] == "keep_mask"
    assert uniform["shape"] == data["tensors"]["random"]["shape"] == data["run_shape"]


# -- --values full | summary | none -------------------------------------------------------------------
def test_values_default_is_full_up_to_10000_elements(runs, capsys):
    small, large = runs("keras", capsys), runs("large", capsys)
    assert all("values" in e for e in small["tensors"].values())
    t = large["tensors"]
    for name in ("input", "random", "keep_mask", "output"):
        assert "values" not in t[name] and t[name]["shape"] == [100, 128], name
    assert t["seed"]["values"] == [42, 0]  # small tensors of a large run are still written whole
    n = 100 * 128  # range input: 1, 2, ..., n
    assert t["input"]["summary"] == {"min": 1.0, "max": float(n), "mean": (n + 1) / 2}


def test_summary_agrees_with_the_full_values(runs, capsys):
    full = runs("values_full", capsys)["tensors"]
    summary = runs("values_summary", capsys)["tensors"]
    assert set(full) == set(summary)
    for name, entry in full.items():
        s, values = summary[name]["summary"], np.asarray(entry["values"])
        assert summary[name]["shape"] == entry["shape"] and summary[name]["dtype"] == entry["dtype"]
        assert s["min"] == values.min() and s["max"] == values.max(), name
        assert s["mean"] == pytest.approx(float(values.astype(np.float64).mean()), rel=1e-12), name
        if entry["dtype"] == "bool":
            assert s["kept"] == int(np.count_nonzero(values)) and 0 < s["kept"] < values.size
        else:
            assert "kept" not in s


def test_values_none_keeps_dtype_and_shape_only(runs, capsys):
    none, full = runs("values_none", capsys), runs("values_full", capsys)
    assert none["tensors"] == {n: {"dtype": e["dtype"], "shape": e["shape"]} for n, e in full["tensors"].items()}
    assert references(none) == references(full) and none["calls"] == full["calls"]


def test_values_full_writes_a_large_tensor_whole(capsys):
    data = cli_json(capsys, "run", "--rate", "0.3", "--shape", "None,128", "--batch", "100", "--values", "full")
    validate("run", data)
    assert np.array_equal(np.asarray(data["tensors"]["input"]["values"]), np.arange(1, 12801).reshape(100, 128))


@pytest.mark.parametrize("name", ["keras", "bfloat16_rank3", "values_summary", "values_none", "large"])
def test_write_gives_the_same_json_with_one_row_a_line(runs, capsys, name):
    from dropout_trace.render_json import text

    data = runs(name, capsys)
    written = text(data)
    assert json.loads(written) == data and written.endswith("}\n")
    if name == "keras":  # the input's rows: one line each
        assert '\n        [1.0, 2.0, 3.0, 4.0],\n        [5.0, 6.0, 7.0, 8.0],\n' in written
    assert json.loads(text({"topics": []})) == {"topics": []}  # no tensors: plain indented JSON


# -- the other commands -------------------------------------------------------------------------------
# Topics whose facts come from fresh interpreters: the page test that runs one already exports its JSON from
# the same run (--export .json) and checks it with check_document, so no second run starts them again here.
SPAWNING = {"keras2-vs-keras3": "test_explain_behaviour.py::test_keras2_vs_keras3_page",
            "replicas": "test_replicas.py::test_explain_replicas_page"}
OTHERS = {
    "chain": ["chain"],
    "chain_source": ["chain", "--api", "tf.nn.dropout", "--source"],
    "graph": ["graph"],
    "graph_known": ["graph", "--shape", "2,4"],
    "graph_grad": ["graph", "--grad"],
    "compare": ["compare"],
    "compare_summary": ["compare", "--values", "summary"],
    "versions": ["versions"],
    "stats": ["stats", "--trials", "50"],
    "stats_noise": ["stats", "--trials", "50", "--shape", "None,4", "--noise-shape", "1,4", "--batch", "4"],
    "explain": ["explain"],
    **{f"explain_{topic}": ["explain", topic] for topic in lessons.TOPICS if topic not in SPAWNING},
}


@pytest.mark.parametrize("name", sorted(OTHERS))
def test_every_command_matches_its_schema(tf, capsys, name):
    args = OTHERS[name]
    data = cli_json(capsys, *args)
    check_document(args[0], data)
    if args[0] == "explain" and len(args) > 1:
        assert data["topic"] == args[1]


def test_every_topic_json_is_checked_somewhere():
    """Each topic's JSON is checked here or, for a topic that starts interpreters, in the page test named."""
    here = {args[1] for args in OTHERS.values() if args[0] == "explain" and len(args) > 1}
    assert here | set(SPAWNING) == set(lessons.TOPICS) and not here & set(SPAWNING)
    tests = Path(__file__).parent
    for where in SPAWNING.values():
        module, test = where.split("::")
        source = (tests / module).read_text()
        body = source.split(f"def {test}(", 1)[1].split("\ndef ", 1)[0]
        assert "check_document(" in body, where


def test_stage_values_are_keyed_by_the_identifier_they_carry(runs, capsys, traced):
    """A stage value's JSON key is the identifier the trace gives it, not its words made into one; the words
    are narrate's, looked up by that identifier."""
    from dropout_trace.narrate.stage import VALUE_WORDS, value_words

    assert all(IDENTIFIER.match(k) and words != k for k, words in VALUE_WORDS.items())
    for name, options in {"keras": {}, "tf_keras_stateful": {"api": "tf-keras", "rng": "stateful"},
                          "tf_keras_legacy": {"api": "tf-keras", "rng": "legacy", "calls": 2}}.items():
        trace = traced(rate="0.3", shape="None,4", **options)
        data = runs(name, capsys)
        for stage, got in zip(trace.stages, data["stages"]):
            assert list(got["values"]) == [v.key for v in stage.values]
            assert all(IDENTIFIER.fullmatch(v.key) and value_words(v.key) == VALUE_WORDS.get(v.key, v.key)
                       for v in stage.values)
    seed = next(s for s in runs("keras", capsys)["stages"] if s["name"] == "seed")
    assert {"state_while_tracing", "state_after", "seed_passed_on"} <= set(seed["values"])


def test_compare_names_each_mask_once(tf, capsys):
    data = cli_json(capsys, "compare", "--rate", "0.5", "--seed", "7")
    ran = [e for e in data["entries"] if e["skipped"] is None]
    assert ran and all(e["mask"] in data["tensors"] for e in ran)
    for e in ran:  # one mask per group of equal masks, and each mask is what its API drew
        assert e["mask"] == f"mask_{e['group'].lower()}"
    groups = {e["group"] for e in ran}
    assert set(data["tensors"]) == {f"mask_{g.lower()}" for g in groups}
    masks = {name: json.dumps(t["values"]) for name, t in data["tensors"].items()}
    assert len(set(masks.values())) == len(masks)  # different groups, different masks


def test_explain_keys_labels_as_names(tf, capsys):
    """A mapping keyed by calls or APIs (model.fit, tf-keras stateless) becomes a list of {name, value}."""
    data = cli_json(capsys, "explain", "training-flag")
    flags = {f["name"]: f["value"] for f in data["facts"]["flags"]}
    assert {"model.fit", "model.predict"} <= set(flags)
    assert flags["model.fit"] == [True]


# -- the schemas themselves --------------------------------------------------------------------------


def test_the_schemas_refuse_what_they_should(runs, capsys):
    """A schema that accepts anything proves nothing: each of these edits must fail validation."""
    good = runs("keras", capsys)

    def edited(change):
        data = json.loads(json.dumps(good))
        change(data)
        return list(Draft202012Validator(schema("run")).iter_errors(data))

    assert not edited(lambda d: None)
    assert edited(lambda d: d.update({"extra": 1}))  # no unknown keys
    assert edited(lambda d: d["stages"][1]["values"].update({"state before": d["stages"][1]["values"]["state_before"]}))
    assert edited(lambda d: d["tensors"]["input"].update({"summary": {"min": 0, "max": 1, "mean": 0.5}}))
    assert edited(lambda d: d["calls"][0].update({"keep_mask": [[True]]}))  # a name, not values
    assert edited(lambda d: d.update({"schema_version": 2}))
    assert edited(lambda d: d.update({"schema_version": 3}))  # v3 is not v4
    assert edited(lambda d: d.pop("tool_version"))
    assert edited(lambda d: d["tensors"].update({"Input": d["tensors"]["input"]}))


def test_the_schemas_ship_in_the_package():
    from importlib.resources import files

    for command in ("run", "chain", "graph", "compare", "versions", "stats"):
        shipped = files("dropout_trace") / "schemas" / f"{command}.schema.json"
        assert json.loads(shipped.read_text())["properties"]["schema_version"]["const"] == 4, command
    explain = json.loads((files("dropout_trace") / "schemas" / "explain.schema.json").read_text())
    assert explain["$defs"]["schema_version"]["const"] == 4
    project = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert re.search(r'(?m)^dropout_trace = \["schemas/\*\.schema\.json"\]', project)  # package data: in the wheel
