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
