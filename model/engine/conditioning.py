"""The rollout conditioned on dated progress facts, in every replication.

A rollout fact (:class:`model.spec.progress.RolloutFact`) says that one event time of a project, a
phase's start or end, lies in ``[low, high)`` [months since the scenario start].  The conditioned
rollout is drawn by **exact rejection on the project's own phase uniforms**:

1. simulate the rollout on the scenario's uniforms ``u`` (common random numbers);
2. in every replication that violates a fact of project ``j``, replace ``u[rep, j, :]`` with fresh
   uniforms from the dedicated named stream ``progress:<project>:<phase>:<round>`` (drawn for all
   replications, so a replication's draws do not depend on which others are redrawn), simulate
   those replications again, and repeat until no replication violates a fact.

Why this scheme rather than truncating each remaining duration by inverse CDF: the event a fact
constrains is a sum of several durations, ``not_before`` waits and queueing for shared resources, so
its conditional law has no closed form, while rejection needs nothing but the simulation itself, is
the same code for both engines (the numpy twin and the SimPy oracle are passed in as ``simulate``),
and is exact: a replication's accepted draw is the first success in a sequence of independent trials,
which is distributed as the draw given the fact.  Replications that already satisfy every fact keep
their draws, so runs with and without facts stay on common random numbers; later phases of the
project keep their own uncertainty (they are redrawn with the rest and only the constrained event
is selected on), and other projects keep their draws: they move only through the queues they share.
With a shared resource the result is the project's law given the fact *and the other projects'
draws*; the other projects are not re-weighted (a fact on one county centre does not rewrite the
others' durations).

After :data:`MAX_ROUNDS` rounds (:data:`NEVER_MET_ROUNDS` for a fact no replication has met
in any round: a fact outside what the durations allow) a fact the scenario's durations (almost)
never meet is **imposed** in the replications still violating it: the duration of the phase that
ends at the event (for a phase's start, the phase before it) is set so that the event falls in the
middle of the month of the fact nearest to the simulated one (when that phase starts after it, the
phase and those before it are shortened in proportion instead) (e.g. ``opened_by 2024-07`` when the scenario's durations
allow no opening before 2024-11: the opening is put in 2024-07).  The count of such replications is
returned and reported: it says the scenario's priors contradict the fact.  A fact that cannot be
imposed either (a first phase's start is fixed by ``not_before`` and the queue) is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from expressim.calibration.distributions import open_uniform
from expressim.model.engine.parameters import Draws, stream
from expressim.model.engine.rollout import ProjectSpec, ResourceSpec, RolloutResult
from expressim.model.engine.rollout_numpy import simulate_rollout_vectorised
from expressim.model.spec.progress import ProgressError, RolloutFact

if TYPE_CHECKING:
    from expressim.model.engine.simulate import Compiled

__all__ = ["MAX_ROUNDS", "Conditioned", "condition_rollout", "violations"]

#: rejection rounds before a fact is imposed (a fact of probability 1% is left unmet in 0.99^1000 ~ 4e-5
#: of the replications; a round redraws only the replications still violating, so rounds are cheap)
MAX_ROUNDS = 1000

#: rounds after which a fact no replication has met yet stops being redrawn for (it is imposed)
NEVER_MET_ROUNDS = 50

Simulate = Callable[[Sequence[ProjectSpec], Sequence[ResourceSpec], np.ndarray, "np.ndarray | None"], RolloutResult]


@dataclass(frozen=True)
class Conditioned:
    """Uniforms and imposed durations that make every replication satisfy the facts.

    Attributes
    ----------
    u : ndarray
        ``[rep, project, phase]`` uniforms (the input's where no redraw was needed).
    override : ndarray or None
        ``[rep, project, phase]`` imposed durations [months], NaN where none (None: nothing imposed).
    redrawn : dict
        Project id -> replications whose uniforms were redrawn.
    imposed : dict
        Fact line -> replications in which the fact had to be imposed.
    rounds : int
        Rejection rounds run.
    """

    u: np.ndarray
    override: np.ndarray | None
    redrawn: dict[str, int] = field(default_factory=dict)
    imposed: dict[int, int] = field(default_factory=dict)
    rounds: int = 0


def _times(res: RolloutResult, facts: Sequence[RolloutFact], index: dict[str, int]) -> np.ndarray:
    cols = []
    for f in facts:
        arr = res.phase_start if f.event == "start" else res.phase_end
        cols.append(arr[:, index[f.project], f.phase])
    return np.stack(cols, axis=1) if cols else np.zeros((res.n_rep, 0))


def violations(res: RolloutResult, facts: Sequence[RolloutFact]) -> np.ndarray:
    """``[rep, fact]`` True where a replication's event time is outside the fact's interval."""
    index = {pid: i for i, pid in enumerate(res.project_ids)}
    t = _times(res, facts, index)
    low = np.array([f.low for f in facts])
    high = np.array([f.high for f in facts])
    return ~((t >= low) & (t < high))


def condition_rollout(projects: Sequence[ProjectSpec], resources: Sequence[ResourceSpec], u: np.ndarray,
                      facts: Sequence[RolloutFact], seed: int,
                      simulate: Simulate = simulate_rollout_vectorised) -> Conditioned:
    """Condition the rollout's uniforms on ``facts`` (see the module docstring).

    Parameters
    ----------
    projects, resources : sequence
        The rollout specs, in priority order.
    u : ndarray
        ``[rep, project, phase]`` phase uniforms of the unconditioned run.
    facts : sequence of RolloutFact
        Intervals for event times [months since the scenario start].
    seed : int
        Root seed of the run (names the redraw streams).
    simulate : callable
        The rollout engine (:func:`simulate_rollout_vectorised` or
        :func:`model.engine.rollout.simulate_rollout_simpy`); both give the same result.

    Raises
    ------
    ProgressError
        A fact that can be neither sampled nor imposed (names the progress file and line).
    """
    u = np.array(u, dtype=np.float64, copy=True)
    if not facts:
        return Conditioned(u, None)
    ids = [p.id for p in projects]
    index = {pid: i for i, pid in enumerate(ids)}
    n = u.shape[0]
    res = simulate(projects, resources, u, None)
    bad = violations(res, facts)
    held = ~bad.all(axis=0)  # facts some replication has met
    of_project = {pid: np.array([f.project == pid for f in facts]) for pid in sorted({f.project for f in facts})}
    ever = {pid: np.zeros(n, dtype=bool) for pid in of_project}
    rounds = 0
    while bad.any() and rounds < MAX_ROUNDS:
        if rounds == NEVER_MET_ROUNDS:  # facts no replication has met by now go straight to _impose
            bad[:, ~held] = False
            if not bad.any():
                break
        rounds += 1
        rows = np.flatnonzero(bad.any(axis=1))
        for pid, mine in of_project.items():
            redo = rows[bad[rows][:, mine].any(axis=1)]
            if redo.size == 0:
                continue
            j = index[pid]
            for k, ph in enumerate(projects[j].phases):
                fresh = open_uniform(stream(seed, f"progress:{pid}:{ph.name}:{rounds}"), n)
                u[redo, j, k] = fresh[redo]
            ever[pid][redo] = True
        sub = simulate(projects, resources, u[rows], None)
        now = violations(sub, facts)
        held |= ~now.all(axis=0)
        if rounds >= NEVER_MET_ROUNDS:
            now[:, ~held] = False
        bad[rows] = now
    override: np.ndarray | None = None
    imposed: dict[int, int] = {}
    if bad.any() or not held.all():
        bad = violations(simulate(projects, resources, u, None), facts)
        override = _impose(projects, resources, u, facts, bad, simulate, imposed)
    return Conditioned(u, override, {pid: int(v.sum()) for pid, v in ever.items()}, imposed, rounds)


def _impose(projects: Sequence[ProjectSpec], resources: Sequence[ResourceSpec], u: np.ndarray,
            facts: Sequence[RolloutFact], bad: np.ndarray, simulate: Simulate, imposed: dict[int, int]) -> np.ndarray:
    """Set the durations that put each still-violated event in the nearest month the fact allows."""
    index = {p.id: i for i, p in enumerate(projects)}
    override = np.full(u.shape, np.nan)
    rows = np.flatnonzero(bad.any(axis=1))
    for _ in range(len(facts) + 1):  # one fact at a time: imposing one may move another's event
        res = simulate(projects, resources, u[rows], override[rows])
        now = violations(res, facts)
        if not now.any():
            return override
        f_i = int(np.flatnonzero(now.any(axis=0))[0])
        f = facts[f_i]
        hit = now[:, f_i]
        j = index[f.project]
        t = (res.phase_start if f.event == "start" else res.phase_end)[hit, j, f.phase]
        target = np.where(t < f.low, f.low + 0.5, f.high - 0.5)
        k = f.phase if f.event == "end" else f.phase - 1
        if k < 0:
            _refuse(f, int(hit.sum()), "the first phase's start is set by its not_before and the queue")
        begun, first = res.phase_start[hit, j, k], res.phase_start[hit, j, 0]
        late = target < begun  # phase k starts after the target: shrink phases 0..k in proportion
        if np.any(late & (target < first)):
            _refuse(f, int(hit.sum()), "the project's first phase starts after it")
        spent = res.phase_end[hit, j, k] - first
        scale = np.where(spent > 0, (target - first) / np.where(spent > 0, spent, 1.0), 0.0)
        dur = res.phase_end[hit, j, : k + 1] - res.phase_start[hit, j, : k + 1]
        where = rows[hit]
        override[where, j, k] = np.where(late, dur[:, k] * scale, target - begun)
        for q in range(k):
            override[where, j, q] = np.where(late, dur[:, q] * scale, override[where, j, q])
        imposed[f.line] = imposed.get(f.line, 0) + int(hit.sum())
    res = simulate(projects, resources, u[rows], override[rows])
    if violations(res, facts).any():
        f = facts[int(np.flatnonzero(violations(res, facts).any(axis=0))[0])]
        _refuse(f, int(violations(res, facts).any(axis=1).sum()), "imposing the facts together fails")
    return override


def _refuse(f: RolloutFact, n_bad: int, why: str) -> None:
    raise ProgressError(f"{f.file or '<progress>'}: line {f.line}: date: {f.text} is not met in {n_bad} "
                        f"replication(s) after {MAX_ROUNDS} redraws and cannot be imposed ({why}); "
                        "expected a fact the scenario's phases can reach")


def condition_draws(comp: Compiled, draws: Draws, facts: Sequence[RolloutFact], seed: int) -> tuple[Draws, Conditioned]:
    """``draws`` with its rollout uniforms (and imposed durations) conditioned on ``facts``.

    Done once in the parent over every replication, before any work is split, so the result does
    not depend on the number of workers.
    """
    cond = condition_rollout(comp.projects, comp.resources, draws.u_rollout, facts, seed)
    return replace(draws, u_rollout=cond.u, rollout_override=cond.override), cond
