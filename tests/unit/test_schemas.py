"""The shipped JSON Schemas themselves, no TensorFlow: one for every JSON command, each requiring the header
(schema_version, tool_version), every explain topic's facts described, the tensor table defined once.
tests/test_json_schema.py validates real outputs against them."""

from jsonschema import Draft202012Validator

from dropout_trace import lessons
from dropout_trace.cli import main

from schema_checks import SCHEMAS, schema


def test_a_bad_values_option_is_one_line(capsys):
    assert main(["run", "--rate", "0.3", "--shape", "None,4", "--values", "all"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--values 'all'" in err[0] and "full, summary or none" in err[0]


def test_a_schema_for_every_json_command():
    from dropout_trace.cli import app

    import typer.main

    commands = typer.main.get_command(app).commands
    with_json = {name for name, cmd in commands.items()
                 if any(p.name == "fmt" and "json" in (p.help or "") for p in cmd.params)}
    assert with_json == {"run", "chain", "graph", "compare", "versions", "stats", "explain"}
    for name in with_json:
        Draft202012Validator.check_schema(schema(name))
    assert {p.name.split(".")[0] for p in SCHEMAS.glob("*.schema.json")} == with_json


def test_a_walkthrough_has_no_json(capsys, tmp_path):
    """A played lesson is text and pictures: no --format json, and no .json export."""
    assert main(["walkthrough", "play", "1", "--format", "json"]) == 2
    assert "No such option: --format" in capsys.readouterr().err
    target = tmp_path / "lesson.json"
    assert main(["walkthrough", "play", "1", "--export", str(target)]) == 2
    assert "a played lesson is text and pictures" in capsys.readouterr().err and not target.exists()


def test_every_schema_requires_the_header():
    """Each command's schema requires schema_version 4 and tool_version: without either, or as v3, it fails."""
    for path in SCHEMAS.glob("*.schema.json"):
        command = path.name.split(".")[0]
        validator = Draft202012Validator(schema(command))
        for broken in ({"tool_version": "0.1.0"}, {"schema_version": 4}, {"schema_version": 3, "tool_version": "0.1.0"},
                       {"schema_version": 4, "tool_version": ""}):
            assert not validator.is_valid(broken), (command, broken)


def test_every_topic_has_its_facts_in_the_schema():
    """explain's schema names each topic's facts: a topic added without them there fails here."""
    parts = schema("explain")["oneOf"][1]["allOf"]
    named = [p["if"]["properties"]["topic"]["const"] for p in parts]
    assert sorted(named) == sorted(lessons.TOPICS) == sorted(schema("explain")["$defs"]["topic"]["enum"])


def test_the_tensor_table_is_defined_once_for_run_and_compare():
    run, compare = schema("run")["$defs"], schema("compare")["$defs"]
    for name in ("tensors", "tensor", "identifier", "sizes"):
        assert run[name] == compare[name], name
