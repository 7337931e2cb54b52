"""Why tf.function traced twice (tf-keras's stateful branch): the variables the first trace created, captured
in the run and named in the mode line, against the layer's own variables and tf.function's own trace count."""

from dropout_trace.narrate.header import mode_line
from dropout_trace.spec import build_spec
from dropout_trace.trace import trace_run


def test_the_variables_that_made_tf_function_trace_again_are_named(tf):
    import tf_keras

    layer = tf_keras.layers.Dropout(0.3, seed=42, rng_type="stateful")
    fn = tf.function(lambda x: layer(x, training=True), input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    fn(tf.ones((3, 4)))
    assert fn.experimental_get_tracing_count() == 2
    made = [layer._random_generator._generator.state.name]  # the lazily built generator's state, made while tracing

    f = trace_run(build_spec(rate="0.3", shape="None,4", api="tf-keras", rng="stateful")).facts
    assert f.trace_count == 2
    assert [name.split("/", 1)[-1] for name in f.made_while_tracing] == [name.split("/", 1)[-1] for name in made]
    line = mode_line(f, "sig")
    assert f"created 1 variable, {f.made_while_tracing[0]}, so tf.function traced again" in line


def test_a_single_trace_names_no_variables(tf):
    for api in ("keras", "tf-keras"):
        f = trace_run(build_spec(rate="0.3", shape="None,4", api=api)).facts
        assert f.trace_count == 1 and f.made_while_tracing == () and "traced again" not in mode_line(f, "sig")
    eager = trace_run(build_spec(rate="0.3", shape="None,4", api="tf-keras", rng="stateful", eager=True)).facts
    assert eager.made_while_tracing == ()


def test_the_json_carries_them_and_validates(tf):
    import json

    import jsonschema

    from dropout_trace.render_json import trace_json
    from schema_checks import schema

    data = json.loads(json.dumps(trace_json(trace_run(build_spec(rate="0.3", shape="None,4", api="tf-keras",
                                                                  rng="stateful")))))
    jsonschema.validate(data, schema("run"))
    assert data["trace_count"] == 2 and [n.split("/")[-1] for n in data["made_while_tracing"]] == ["StateVar:0"]
