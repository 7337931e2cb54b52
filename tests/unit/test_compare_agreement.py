"""compare's groups: equal masks are one derivation only when what seeded them decides the draws. Unseeded stateful
ops pick their seeds in the kernel at random (get_seed gives (None, None)), so two of them agreeing is chance."""

import numpy as np

from dropout_trace.compare import Agreement, Draw, Entry, Seeding, SeedKind, _groups
from dropout_trace.narrate.compare import compare_reason

MASK = np.array([[True, False]])


def entries(seeding: Seeding) -> list[Entry]:
    draw = Draw("random_uniform", seeding, (1, 2))
    return [Entry("tf.nn.dropout", None, None, draw, MASK), Entry("tf.compat.v1.nn.dropout", None, None, draw, MASK)]


def test_two_unseeded_ops_with_one_mask_are_a_coincidence():
    (group,) = _groups(entries(Seeding(SeedKind.UNSEEDED_OP)))
    assert group.agreement is Agreement.COINCIDENCE
    reason = compare_reason(group)
    assert "coincidence" in reason and "derivation" not in reason and "random_uniform unseeded" in reason


def test_the_same_op_seeds_are_the_same_derivation():
    (group,) = _groups(entries(Seeding(SeedKind.OP_SEEDS, (42, 42))))
    assert group.agreement is Agreement.SAME_DERIVATION
    assert "the same derivation gives the same draws" in compare_reason(group)


def test_a_coincidence_group_gives_no_reason_for_differing():
    """Unseeded, the APIs fall into groups by chance: a group of several samplers has no one sampler to blame."""
    from dropout_trace.compare import _differences

    seeded = Seeding(SeedKind.OP_SEEDS, (42, 42))
    mixed = [Entry("keras", None, None, Draw("stateless_random_uniform", Seeding(SeedKind.SEED, (1, 0)), (1, 2)),
                   MASK),
             Entry("tf.nn.dropout", None, None, Draw("random_uniform", seeded, (1, 2)), MASK),
             Entry("tf.compat.v1.nn.dropout", None, None, Draw("random_uniform", seeded, (1, 2)), ~MASK),
             Entry("keras.random.dropout", None, None,
                   Draw("stateless_random_uniform", Seeding(SeedKind.SEED, (2, 0)), (1, 2)), ~MASK)]
    groups = _groups(mixed)
    assert [g.agreement for g in groups] == [Agreement.COINCIDENCE, Agreement.COINCIDENCE]
    assert _differences(mixed, groups) == ()
    own = [Entry("tf.nn.dropout", None, None, Draw("random_uniform", seeded, (1, 2)), MASK),
           Entry("keras", None, None, Draw("stateless_random_uniform", Seeding(SeedKind.SEED, (1, 0)), (1, 2)),
                 ~MASK)]
    (difference,) = _differences(own, _groups(own))
    assert difference.kind == "sampler"
