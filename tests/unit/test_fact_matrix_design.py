"""The fact matrix's design (tests/matrix_cases.py), checked without TensorFlow: enough distinct runs, every pair."""

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matrix_cases import FACTORS, MIN_RUNS, design, usage_problem  # noqa: E402


def test_the_matrix_has_enough_distinct_valid_runs():
    cases = design()
    assert len(set(c.command for c in cases)) == len(cases) >= MIN_RUNS
    assert all(usage_problem(c) is None for c in cases)


def test_every_factor_level_is_reached():
    cases = design()
    for name, levels in FACTORS.items():
        assert {c.levels()[name] for c in cases} == set(levels), name


def test_every_branch_meets_every_mode_seed_rate_and_calls_it_accepts():
    cases = design()
    covered = {(c.levels()["branch"], name, c.levels()[name]) for c in cases for name in FACTORS}
    for branch, name in itertools.product(FACTORS["branch"], ("mode", "seed", "rate", "calls")):
        for level in FACTORS[name]:
            if branch[0] == "stateless" and name == "seed" and level == "none":
                continue  # refused as a usage error: its seed is its whole state
            assert (branch, name, level) in covered, (branch, name, level)
