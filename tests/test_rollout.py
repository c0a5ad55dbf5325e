"""Rollout: the SimPy and vectorised engines agree; tie rule, monotonicity, draws, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from expressim.calibration.distributions import Fixed, LogNormal, Normal, Triangular, Uniform
from expressim.model.engine import rollout_numpy
from expressim.model.engine.rollout import (
    PhaseSpec,
    ProjectSpec,
    ResourceSpec,
    RolloutResult,
    _delays,
    phase_uniforms,
    shift_projects,
    simulate_rollout_simpy,
)
from expressim.model.engine.rollout_numpy import simulate_rollout_vectorised

CONTINUOUS = [
    Triangular(low=1.0, mode=3.0, high=8.0),
    LogNormal(median=4.0, sigma=0.5),
    Uniform(low=0.0, high=6.0),
    Normal(mean=3.0, sd=2.0, low=0.0),
]


def random_projects(
    rng: np.random.Generator, n_projects: int, n_resources: int, ties: bool, max_uses: int | None = None
) -> tuple[ProjectSpec, ...]:
    """Random project sets; ``ties`` uses integer durations (0 included) and integer dates."""
    projects = []
    for i in range(n_projects):
        phases = []
        uses = 0
        for k in range(int(rng.integers(1, 5))):
            if ties:
                dur: Fixed | Triangular | LogNormal | Uniform | Normal = Fixed(
                    value=float(rng.integers(0, 4))
                )
            else:
                dur = CONTINUOUS[int(rng.integers(len(CONTINUOUS)))]
            nb = float(rng.integers(-3, 10)) if rng.random() < 0.4 else None
            res = None
            if n_resources and rng.random() < 0.6 and (max_uses is None or uses < max_uses):
                res, uses = f"r{rng.integers(n_resources)}", uses + 1
            phases.append(PhaseSpec(f"phase{k}", dur, nb, res))
        start = float(rng.integers(-2, 3)) if ties else float(rng.uniform(-2.0, 3.0))
        projects.append(ProjectSpec(f"p{i}", "county_centre", "Qianxi", tuple(phases), start=start))
    return tuple(projects)


def random_case(
    rng: np.random.Generator, ties: bool, n_resources: int, max_uses: int | None = None
) -> tuple[tuple[ProjectSpec, ...], list[ResourceSpec]]:
    projects = random_projects(rng, int(rng.integers(1, 8)), n_resources, ties, max_uses)
    resources = [ResourceSpec(f"r{j}", int(rng.integers(1, 3))) for j in range(n_resources)]
    return projects, resources


def assert_same(a: RolloutResult, b: RolloutResult) -> None:
    assert a.project_ids == b.project_ids and a.phase_names == b.phase_names
    np.testing.assert_allclose(a.phase_start, b.phase_start, rtol=0, atol=1e-9)
    np.testing.assert_allclose(a.phase_end, b.phase_end, rtol=0, atol=1e-9)
    np.testing.assert_allclose(a.opening, b.opening, rtol=0, atol=1e-9)


@pytest.mark.parametrize("ties", [False, True], ids=["continuous", "ties"])
@pytest.mark.parametrize("n_resources", [0, 1, 2])
def test_simpy_equals_vectorised(ties: bool, n_resources: int) -> None:
    rng = np.random.default_rng(100 + 10 * n_resources + ties)
    for _ in range(40):
        projects, resources = random_case(rng, ties, n_resources)
        u = phase_uniforms(rng, 12, projects)
        assert_same(
            simulate_rollout_simpy(projects, resources, u),
            simulate_rollout_vectorised(projects, resources, u),
        )


def test_vectorised_blocks_of_replications(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replications processed in several blocks (and a ragged last one) give the same numbers."""
    rng = np.random.default_rng(77)
    monkeypatch.setattr(rollout_numpy, "_CHUNK", 5)
    for _ in range(10):
        projects, resources = random_case(rng, bool(rng.integers(2)), 2)
        u = phase_uniforms(rng, 23, projects)
        assert_same(
            simulate_rollout_simpy(projects, resources, u),
            simulate_rollout_vectorised(projects, resources, u),
        )


def test_binding_resource_is_binding_and_engines_agree() -> None:
    """Eight county centres queue for two construction crews: waits occur, engines still agree."""
    projects = tuple(
        ProjectSpec(
            f"c{i}",
            "county_centre",
            f"county{i}",
            (
                PhaseSpec("approval", Triangular(low=2, mode=4, high=9), not_before=12.0 * (i // 3)),
                PhaseSpec("construction", LogNormal(median=8, sigma=0.4), resource="crew"),
                PhaseSpec("commissioning", Uniform(low=1, high=3)),
            ),
        )
        for i in range(8)
    )
    resources = [ResourceSpec("crew", 2)]
    u = phase_uniforms(np.random.default_rng(7), 300, projects)
    a = simulate_rollout_simpy(projects, resources, u)
    b = simulate_rollout_vectorised(projects, resources, u)
    assert_same(a, b)
    waited = b.phase_start[:, :, 1] > b.phase_end[:, :, 0]
    assert waited.mean() > 0.2
    # never more than two constructions at once: count overlaps at every construction start
    s, e = b.phase_start[:, :, 1], b.phase_end[:, :, 1]
    busy = ((s[:, None, :] <= s[:, :, None]) & (e[:, None, :] > s[:, :, None])).sum(axis=2)
    assert busy.max() <= 2


def hand_example(start0: float) -> tuple[tuple[ProjectSpec, ...], list[ResourceSpec]]:
    p0 = ProjectSpec(
        "p0",
        "hub",
        "Qixingguan",
        (
            PhaseSpec("a", 3.0, resource="r"),
            PhaseSpec("b", 2.0, resource="r"),
            PhaseSpec("c", 2.0),
            PhaseSpec("d", 3.0, resource="r"),
        ),
        start=start0,
    )
    p1 = ProjectSpec(
        "p1",
        "county_centre",
        "Nayong",
        (
            PhaseSpec("a", 2.0, resource="r"),
            PhaseSpec("b", 3.0, not_before=3.0),
            PhaseSpec("c", 3.0, resource="r"),
        ),
        start=1.0,
    )
    return (p0, p1), [ResourceSpec("r", 1)]


@pytest.mark.parametrize("engine", [simulate_rollout_simpy, simulate_rollout_vectorised])
def test_hand_computed_schedule(engine: object) -> None:
    """Capacity 1; at t=6 both projects request r and p0 (first in order) gets it."""
    projects, resources = hand_example(2.0)
    res = engine(projects, resources, phase_uniforms(np.random.default_rng(0), 1, projects))  # type: ignore[operator]
    np.testing.assert_array_equal(res.phase_start[0, 0], [3, 6, 8, 11])
    np.testing.assert_array_equal(res.phase_end[0, 0], [6, 8, 10, 14])
    np.testing.assert_array_equal(res.phase_start[0, 1, :3], [1, 3, 8])
    np.testing.assert_array_equal(res.phase_end[0, 1, :3], [3, 6, 11])
    assert np.isnan(res.phase_start[0, 1, 3])
    np.testing.assert_array_equal(res.opening[0], [14, 11])


def test_moving_earlier_can_open_later_when_resource_is_held_in_several_phases() -> None:
    """A scheduling anomaly of FIFO resources (cf. Graham 1969), kept as documented behaviour.

    Starting p0 a month earlier puts p1 behind it, p1's second request then lands just before
    p0's last one, and p0 opens at 15 instead of 14.
    """
    projects, resources = hand_example(2.0)
    u = phase_uniforms(np.random.default_rng(0), 1, projects)
    for engine in (simulate_rollout_simpy, simulate_rollout_vectorised):
        base = engine(projects, resources, u)
        moved = engine(shift_projects(projects, ["p0"], -1.0), resources, u)
        assert base.opening[0, 0] == 14.0 and moved.opening[0, 0] == 15.0


@pytest.mark.parametrize("engine", [simulate_rollout_simpy, simulate_rollout_vectorised])
def test_same_instant_chain_goes_by_project_order(engine: object) -> None:
    """p0's zero-length phase on s makes its request for r at t=5, tied with p1's: p0 goes first."""
    p0 = ProjectSpec("p0", "hub", "x", (PhaseSpec("s", 0.0, 5.0, "s"), PhaseSpec("r", 2.0, None, "r")))
    p1 = ProjectSpec("p1", "hub", "x", (PhaseSpec("r", 3.0, 5.0, "r"),))
    projects, resources = (p0, p1), [ResourceSpec("s", 1), ResourceSpec("r", 1)]
    res = engine(projects, resources, np.full((1, 2, 2), 0.5))  # type: ignore[operator]
    np.testing.assert_array_equal(res.opening[0], [7.0, 10.0])
    swapped = engine((p1, p0), resources, np.full((1, 2, 2), 0.5))  # type: ignore[operator]
    np.testing.assert_array_equal(swapped.opening[0], [8.0, 10.0])


def test_earlier_not_before_never_delays_without_resources() -> None:
    rng = np.random.default_rng(11)
    for _ in range(40):
        projects, resources = random_case(rng, bool(rng.integers(2)), 0)
        u = phase_uniforms(rng, 50, projects)
        base = simulate_rollout_vectorised(projects, resources, u)
        moved_id = projects[int(rng.integers(len(projects)))].id
        moved = simulate_rollout_vectorised(
            shift_projects(projects, [moved_id], -float(rng.uniform(0, 6))), resources, u
        )
        assert np.all(moved.opening <= base.opening)


def test_earlier_not_before_never_delays_the_moved_project_holding_one_resource_phase() -> None:
    """With shared resources the moved project opens no later, if it requests a resource once."""
    rng = np.random.default_rng(12)
    for _ in range(60):
        projects, resources = random_case(rng, bool(rng.integers(2)), int(rng.integers(1, 3)), max_uses=1)
        u = phase_uniforms(rng, 50, projects)
        i = int(rng.integers(len(projects)))
        base = simulate_rollout_vectorised(projects, resources, u)
        moved = simulate_rollout_vectorised(
            shift_projects(projects, [projects[i].id], -float(rng.uniform(0, 6))), resources, u
        )
        assert np.all(moved.opening[:, i] <= base.opening[:, i])


def test_sampled_phase_durations_match_distributions() -> None:
    """Phase durations (end - start) over 20,000 replications: mean and variance within 4 SE."""
    phases = tuple(PhaseSpec(f"ph{k}", d) for k, d in enumerate(CONTINUOUS))
    projects = (ProjectSpec("hub", "hub", "Qixingguan", phases),)
    n = 20_000
    res = simulate_rollout_vectorised(projects, [], phase_uniforms(np.random.default_rng(3), n, projects))
    dur = res.phase_end[:, 0, :] - res.phase_start[:, 0, :]
    for k, d in enumerate(CONTINUOUS):
        x = dur[:, k]
        assert abs(x.mean() - d.mean()) < 4 * np.sqrt(d.var() / n), d
        excess_kurtosis_bound = 10.0  # generous for these laws (lognormal sigma 0.5: 2.9)
        assert abs(x.var() - d.var()) < 4 * np.sqrt((excess_kurtosis_bound + 2) * d.var() ** 2 / n), d


def test_phase_uniforms_reproducible_and_common_across_scenarios() -> None:
    projects, _ = random_case(np.random.default_rng(4), False, 0)
    a = phase_uniforms(np.random.default_rng(42), 30, projects)
    b = phase_uniforms(np.random.default_rng(42), 30, projects)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, phase_uniforms(np.random.default_rng(43), 30, projects), equal_nan=True)
    used = ~np.isnan(a)
    assert np.all((a[used] > 0) & (a[used] < 1))
    for i, p in enumerate(projects):
        assert np.all(used[:, i, : len(p.phases)]) and not np.any(used[:, i, len(p.phases) :])
    # a scenario with the projects reversed and one more project: the shared projects' draws agree
    extra = ProjectSpec("new", "stations", "Weining", (PhaseSpec("build", 3.0),))
    other = (extra, *reversed(projects))
    c = phase_uniforms(np.random.default_rng(42), 30, other)
    for i, p in enumerate(projects):
        j = other.index(p)
        np.testing.assert_array_equal(c[:, j, : len(p.phases)], a[:, i, : len(p.phases)])
    # the generator advances by the same amount whatever the projects
    r1, r2 = np.random.default_rng(9), np.random.default_rng(9)
    phase_uniforms(r1, 5, projects)
    phase_uniforms(r2, 50, other)
    assert r1.random() == r2.random()


def test_results_reproducible_from_seed() -> None:
    projects, resources = random_case(np.random.default_rng(5), False, 1)
    runs = [
        simulate_rollout_vectorised(
            projects, resources, phase_uniforms(np.random.default_rng(8), 20, projects)
        )
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].phase_end, runs[1].phase_end)


def test_result_shapes_and_accessors() -> None:
    projects, resources = random_case(np.random.default_rng(6), False, 1)
    projects = (
        *projects,
        ProjectSpec("long", "hub", "Qixingguan", tuple(PhaseSpec(f"x{k}", 1.0) for k in range(5))),
    )
    u = phase_uniforms(np.random.default_rng(1), 17, projects)
    res = simulate_rollout_simpy(projects, resources, u)
    assert res.n_rep == 17
    assert res.phase_start.shape == res.phase_end.shape == (17, len(projects), 5)
    assert res.opening.shape == (17, len(projects))
    assert res.project_ids == tuple(p.id for p in projects)
    for i, p in enumerate(projects):
        n = len(p.phases)
        assert np.all(np.isfinite(res.phase_end[:, i, :n])) and np.all(np.isnan(res.phase_end[:, i, n:]))
        np.testing.assert_array_equal(res.opening[:, i], res.phase_end[:, i, n - 1])
        assert np.all(res.phase_start[:, i, 1:n] >= res.phase_end[:, i, : n - 1])
    np.testing.assert_array_equal(res.end_of("long", "x4"), res.opening[:, -1])
    np.testing.assert_array_equal(res.start_of("long", "x0"), np.zeros(17))
    with pytest.raises(KeyError, match="unknown project"):
        res.index("nope")
    with pytest.raises(KeyError, match="no phase"):
        res.start_of("long", "nope")


def test_plan_shaped_rollout() -> None:
    """The 2023 plan's shape: hub phases gated by year, county centres by their plan year."""
    hub = ProjectSpec(
        "hub",
        "hub",
        "Qixingguan",
        (
            PhaseSpec("feasibility", Triangular(low=4, mode=8, high=14)),
            PhaseSpec("approval", Triangular(low=4, mode=8, high=18), not_before=12.0),
            PhaseSpec("construction", Triangular(low=12, mode=18, high=30), not_before=24.0),
        ),
        planned_open=42.0,
    )
    years = {
        "Qianxi": 0,
        "Nayong": 0,
        "Dafang": 1,
        "Zhijin": 1,
        "Qixingguan": 2,
        "Jinsha": 2,
        "Weining": 2,
        "Hezhang": 2,
    }
    centres = tuple(
        ProjectSpec(
            f"centre_{c}",
            "county_centre",
            c,
            (
                PhaseSpec("site", Uniform(low=1, high=6), 12.0 * y),
                PhaseSpec("construction", LogNormal(median=6, sigma=0.3)),
            ),
            planned_open=12.0 * y + 11.0,
        )
        for c, y in years.items()
    )
    projects = (hub, *centres)
    res = simulate_rollout_vectorised(
        projects, [], phase_uniforms(np.random.default_rng(2023), 2000, projects)
    )
    assert np.all(res.start_of("hub", "construction") >= 24.0)
    for c, y in years.items():
        assert np.all(res.start_of(f"centre_{c}", "site") == 12.0 * y)


def test_shift_projects() -> None:
    p1 = ProjectSpec(
        "p1", "stations", "Hezhang", (PhaseSpec("a", 1.0, 4.0), PhaseSpec("b", 1.0)), planned_open=9.0
    )
    projects = (hand_example(2.0)[0][0], p1)
    shifted = shift_projects(projects, "p1", 2.5)
    assert shifted[0] == projects[0]
    assert (
        shifted[1].start == 2.5
        and shifted[1].phases[0].not_before == 6.5
        and shifted[1].phases[1].not_before is None
    )
    assert shifted[1].planned_open == projects[1].planned_open
    with pytest.raises(KeyError, match="unknown project ids"):
        shift_projects(projects, ["zz"], 1.0)


def test_phase_spec_coerces_numbers() -> None:
    assert PhaseSpec("a", 3).duration == Fixed(value=3.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("unknown_resource", "unknown resource"),
        ("duplicate_id", "duplicate project ids"),
        ("negative_duration", "must be >= 0"),
        ("bad_u", "u must have shape"),
        ("zero_capacity", "capacity >= 1"),
        ("u_at_one", "infinite duration"),
    ],
)
def test_validation(change: str, message: str) -> None:
    p = ProjectSpec("a", "hub", "x", (PhaseSpec("build", LogNormal(median=3, sigma=1), resource="r"),))
    projects, resources, u = [p], [ResourceSpec("r", 1)], np.full((2, 1, 1), 0.5)
    if change == "unknown_resource":
        resources = [ResourceSpec("q", 1)]
    elif change == "duplicate_id":
        projects = [p, p]
        u = np.full((2, 2, 1), 0.5)
    elif change == "negative_duration":
        projects = [ProjectSpec("a", "hub", "x", (PhaseSpec("build", Normal(mean=3, sd=1)),))]
    elif change == "bad_u":
        u = np.full((2, 3, 1), 0.5)
    elif change == "zero_capacity":
        resources = [ResourceSpec("r", 0)]
    elif change == "u_at_one":
        u = np.ones((2, 1, 1))
    for engine in (simulate_rollout_simpy, simulate_rollout_vectorised):
        with pytest.raises(ValueError, match=message):
            engine(projects, resources, u)


@settings(max_examples=300, deadline=None)
@given(now=st.floats(-1e12, 1e12), target=st.floats(-1e12, 1e12))
@example(now=-1e10, target=0.1)
@example(now=-1e10, target=-0.1)
@example(now=-3.0, target=-1e-300)
@example(now=0.1, target=1e10 + 0.3)
def test_delays_land_exactly(now: float, target: float) -> None:
    """SimPy adds delays to its clock: each hop must land on the target time exactly."""
    t = now
    for d in _delays(now, target):
        assert d > 0
        t = t + d
    assert t == max(now, target)
