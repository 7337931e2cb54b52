"""Issue 15's sentences worded from facts set by hand: each branch of the words follows the fact it reads."""

from dropout_trace.narrate.replica_lines import replicas_lesson
from dropout_trace.narrate.versions import installed
from dropout_trace.versions import SourceFacts, Where


def source(**measured) -> SourceFacts:
    return SourceFacts(mask_line="", dropout_where=Where(None, "gone"), scale_line="", rng_branches=(),
                       rng_where=Where(None, "gone"), rng_default=None, tf_keras_module="keras.src.x",
                       noise_line="return tf.shape(inputs)", noise_where=Where(None, "here"), **measured)


def test_get_noise_shape_is_worded_per_mode_from_what_was_measured():
    both = installed("noise_shape", source(noise_kept_eager=False, noise_kept_graph=True, noise_eager_type="TensorShape"))
    assert "unchanged inside tf.function; eagerly it converts it to a TensorShape" in both
    same = installed("noise_shape", source(noise_kept_eager=True, noise_kept_graph=True, noise_eager_type="Tensor"))
    assert "unchanged, inside tf.function and eagerly alike" in same and "converts" not in same
    missing = installed("noise_shape", source())
    assert "unchanged" not in missing and "missing" in missing


def reps(mask_rows: int, n: int = 2, rows: int = 3) -> list[dict]:
    return [{"replica": i, "first_row": i * rows, "rows": rows, "mask_rows": mask_rows,
             "same_mask_as_replica_0": True} for i in range(n)]


def test_independent_masks_of_the_batch_are_the_rows_each_replica_drew():
    shared = replicas_lesson(True, "same_state", reps(1))
    assert "only 1 independent mask for its 6 samples" in shared
    own = replicas_lesson(True, "same_state", reps(3))
    assert "only 3 independent masks for its 6 samples" in own and "rows 1 and 4" in own
    assert "independent" not in replicas_lesson(False, "replica_key", reps(3))
    assert replicas_lesson(True, "coincidence", reps(3)) is None


def test_a_list_noise_shape_with_a_none_left_is_not_called_fully_known():
    """tf.nn.dropout's _get_noise_shape fills a None only from x's static shape: with the batch None there,
    the list keeps its None (Facts.noise_origin 'static_list_unknown'), and no view says it was known."""
    import dataclasses

    from dropout_trace.narrate import cases
    from test_snapshots import recorded

    f = recorded("tf_nn").facts
    unknown = dataclasses.replace(f, noise_source="static_list", noise_static=[None, 1], noise_runtime=[3, 1])
    known = dataclasses.replace(f, noise_source="static_list", noise_static=[3, 1], noise_runtime=[3, 1])
    assert (unknown.noise_origin, known.noise_origin) == ("static_list_unknown", "static_list")
    for view in ("idea", "brief", "short", "short_brief"):
        said = getattr(cases.noise(unknown), view)(unknown)
        assert "fully known" not in said and " known while tracing" not in said.replace("unknown while", ""), said
    assert "partly unknown while tracing" in cases.noise(unknown).short(unknown)
    assert "fully known while tracing" in cases.noise(known).short(known)


def test_each_replica_reason_has_its_own_why():
    """The reason is decided by facts._replica_reason (checked against MirroredStrategy by the replica matrix);
    here, each one's words name that cause and no other."""
    from dropout_trace.narrate.replica_lines import replicas_why

    rows = [{"replica": i, "seed_used": [42, 0], "seed_state_before": [42, 0], "seed_state_after": [42, 1],
             "legacy_seed": None, "key_in": None, "key_out": None} for i in range(2)]
    said = {reason: replicas_why(reason, rows) for reason in
            ("constant_seed", "same_op_seeds", "same_draws", "coincidence", "unseeded_ops", "different_draws")}
    assert "the seed is a constant, [42, 0], on every replica" in said["constant_seed"]
    assert "the same (global, op) seeds, [42, 0]" in said["same_op_seeds"]
    assert said["same_draws"] == "Why: every replica drew the same uniforms."
    assert "agree only by chance" in said["coincidence"]
    assert "no op seed was set" in said["unseeded_ops"]
    assert said["different_draws"] == "Why: the replicas drew different uniforms."
    assert len(set(said.values())) == len(said)
