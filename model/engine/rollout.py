"""Infrastructure rollout: projects as chains of phases competing for shared resources.

A project (the city hub, a county co-distribution centre, a station programme) runs its phases
in order.  Phase ``k`` of a project becomes *ready* at ``max(end of phase k-1 (or project.start),
not_before)`` [months since the simulation start]; if it names a resource it then waits for a
unit of it, holds the unit for the whole phase and releases it at the phase's end.  Waiting
requests are served first come, first served by ``(request time, project order)``: the order of
``projects`` breaks ties between requests made at the same instant.  Durations are
``phase.duration.ppf(u[rep, project, phase])``, so the same uniforms give the same durations in
both engines and in every scenario (common random numbers).

Two engines compute the same numbers:

* :func:`simulate_rollout_simpy` - the authoritative discrete-event model, one
  ``simpy.Environment`` per replication.  Projects are SimPy processes; units are handed out by
  a driver between events, only after every event of the current instant has run, so that
  requests made at the same instant are ordered by project whatever order SimPy runs them in.
* :func:`model.engine.rollout_numpy.simulate_rollout_vectorised` - numpy over replications: an event
  loop over the total number of phases that, per replication, takes the pending phase with the smallest
  ``(ready time, project order)`` and gives it the earliest-free unit, i.e. the FIFO
  multi-server recursion ``start = max(ready, earliest unit-free time)``.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from expressim.calibration.distributions import Distribution, as_distribution, open_uniform

if TYPE_CHECKING:
    import simpy

__all__ = [
    "PhaseSpec",
    "ProjectSpec",
    "ResourceSpec",
    "RolloutResult",
    "phase_uniforms",
    "shift_projects",
    "simulate_rollout_simpy",
]


@dataclass(frozen=True)
class PhaseSpec:
    """One phase of a project; ``duration`` [months] (a bare number becomes ``fixed``)."""

    name: str
    duration: Distribution
    not_before: float | None = None
    resource: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "duration", as_distribution(self.duration))


@dataclass(frozen=True)
class ProjectSpec:
    """A project: ``kind`` in {"hub", "county_centre", "stations"}, ``region`` a county id.

    ``start`` [months] is when the first phase may begin; ``planned_open`` [months] is the month
    the plan intends (for comparisons only, never used by the simulation).
    """

    id: str
    kind: str
    region: str
    phases: tuple[PhaseSpec, ...]
    planned_open: float | None = None
    start: float = 0.0


@dataclass(frozen=True)
class ResourceSpec:
    """A shared resource with ``capacity`` interchangeable units."""

    name: str
    capacity: int


@dataclass(frozen=True, eq=False)
class RolloutResult:
    """Phase timing per replication [months since the simulation start].

    ``phase_start``/``phase_end`` are ``[rep, project, max_phases]`` (NaN where a project has no
    such phase); ``opening`` is ``[rep, project]``, the end of the project's last phase (it may
    exceed the horizon).
    """

    project_ids: tuple[str, ...]
    phase_names: tuple[tuple[str, ...], ...]
    phase_start: np.ndarray
    phase_end: np.ndarray
    opening: np.ndarray = field(repr=False)

    @property
    def n_rep(self) -> int:
        """Number of replications."""
        return int(self.opening.shape[0])

    def index(self, project_id: str) -> int:
        """Position of a project in ``project_ids``."""
        try:
            return self.project_ids.index(project_id)
        except ValueError:
            raise KeyError(f"unknown project '{project_id}'; known: {', '.join(self.project_ids)}") from None

    def _phase(self, project_id: str, phase: str) -> tuple[int, int]:
        p = self.index(project_id)
        if phase not in self.phase_names[p]:
            raise KeyError(f"project '{project_id}' has no phase '{phase}'; it has {self.phase_names[p]}")
        return p, self.phase_names[p].index(phase)

    def start_of(self, project_id: str, phase: str) -> np.ndarray:
        """Start of a named phase (the first of that name) per replication, ``[rep]`` [months]."""
        p, k = self._phase(project_id, phase)
        return self.phase_start[:, p, k]

    def end_of(self, project_id: str, phase: str) -> np.ndarray:
        """End of a named phase (the first of that name) per replication, ``[rep]`` [months]."""
        p, k = self._phase(project_id, phase)
        return self.phase_end[:, p, k]


@dataclass(frozen=True)
class _Compiled:
    """Projects flattened to arrays; ``dur`` is ``[rep, project, phase]`` [months]."""

    n_phases: np.ndarray  # [P] int
    res: np.ndarray  # [P, K] resource index, -1 for none
    not_before: np.ndarray  # [P, K], -inf for none
    start: np.ndarray  # [P]
    caps: tuple[int, ...]
    dur: np.ndarray  # [R, P, K], NaN where no phase


def _compile(projects: Sequence[ProjectSpec], resources: Sequence[ResourceSpec], u: np.ndarray,
             override: np.ndarray | None = None) -> _Compiled:
    if not projects:
        raise ValueError("rollout: no projects")
    ids = [p.id for p in projects]
    if len(set(ids)) != len(ids):
        raise ValueError(f"rollout: duplicate project ids in {ids}")
    names = [r.name for r in resources]
    if len(set(names)) != len(names):
        raise ValueError(f"rollout: duplicate resource names in {names}")
    for r in resources:
        if int(r.capacity) < 1:
            raise ValueError(f"rollout: resource '{r.name}' needs capacity >= 1, got {r.capacity}")
    n_p, n_k = len(projects), max(len(p.phases) for p in projects)
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 3 or u.shape[1] != n_p or u.shape[2] < n_k:
        raise ValueError(f"rollout: u must have shape [rep, {n_p}, >={n_k}], got {u.shape}")
    n_phases = np.array([len(p.phases) for p in projects], dtype=np.int64)
    res = np.full((n_p, n_k), -1, dtype=np.int64)
    not_before = np.full((n_p, n_k), -np.inf)
    dur = np.full((u.shape[0], n_p, n_k), np.nan)
    for i, proj in enumerate(projects):
        where = f"rollout: project '{proj.id}'"
        if not proj.phases:
            raise ValueError(f"{where} has no phases")
        if not np.isfinite(proj.start):
            raise ValueError(f"{where}: start must be finite, got {proj.start}")
        for k, ph in enumerate(proj.phases):
            if ph.resource is not None:
                if ph.resource not in names:
                    raise ValueError(f"{where}, phase '{ph.name}': unknown resource '{ph.resource}'")
                res[i, k] = names.index(ph.resource)
            if ph.not_before is not None:
                if not np.isfinite(ph.not_before):
                    raise ValueError(f"{where}, phase '{ph.name}': not_before must be finite")
                not_before[i, k] = ph.not_before
            if ph.duration.support()[0] < 0:
                raise ValueError(
                    f"{where}, phase '{ph.name}': a duration must be >= 0 [months]; its distribution "
                    "allows negative values (truncate a normal with low >= 0, or use a lognormal)"
                )
            d = ph.duration.ppf(u[:, i, k])
            if not np.all(np.isfinite(d)):
                raise ValueError(f"{where}, phase '{ph.name}': infinite duration (a uniform of 0 or 1?)")
            if override is not None:  # durations a progress fact imposes (model.engine.conditioning), NaN elsewhere
                d = np.where(np.isnan(override[:, i, k]), d, override[:, i, k])
            dur[:, i, k] = d
    start = np.array([p.start for p in projects], dtype=np.float64)
    return _Compiled(n_phases, res, not_before, start, tuple(int(r.capacity) for r in resources), dur)


def _result(
    projects: Sequence[ProjectSpec], s: np.ndarray, e: np.ndarray, n_phases: np.ndarray
) -> RolloutResult:
    opening = e[:, np.arange(len(projects)), n_phases - 1]
    return RolloutResult(
        project_ids=tuple(p.id for p in projects),
        phase_names=tuple(tuple(ph.name for ph in p.phases) for p in projects),
        phase_start=s,
        phase_end=e,
        opening=opening,
    )


def phase_uniforms(rng: np.random.Generator, n_rep: int, projects: Iterable[ProjectSpec]) -> np.ndarray:
    """Uniforms in (0, 1) for every phase, ``[rep, project, max_phases]`` (NaN where no phase).

    Each (project id, phase name, occurrence) gets its own stream, seeded from four integers
    drawn from ``rng`` and a hash of that key.  So ``rng`` advances by the same amount whatever
    the projects, and a phase's uniforms do not depend on which other projects or phases a
    scenario has, nor on their order: scenarios that share a project share its draws.
    """
    projects = tuple(projects)
    if n_rep < 0:
        raise ValueError(f"phase_uniforms: n_rep must be >= 0, got {n_rep}")
    root = [int(x) for x in rng.integers(0, 2**32, size=4, dtype=np.uint64)]
    n_k = max((len(p.phases) for p in projects), default=0)
    u = np.full((n_rep, len(projects), n_k), np.nan)
    for i, proj in enumerate(projects):
        seen: dict[str, int] = {}
        for k, ph in enumerate(proj.phases):
            occurrence = seen[ph.name] = seen.get(ph.name, -1) + 1
            key = f"{proj.id}\x00{ph.name}\x00{occurrence}".encode()
            h = int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "little")
            u[:, i, k] = open_uniform(np.random.default_rng(np.random.SeedSequence([*root, h])), n_rep)
    return u


def shift_projects(
    projects: Iterable[ProjectSpec], ids: Iterable[str], months: float
) -> tuple[ProjectSpec, ...]:
    """Move ``start`` and every ``not_before`` of the selected projects by ``months`` [months].

    ``planned_open`` is left alone (it is the plan's intention).  Unknown ids raise ``KeyError``.
    """
    projects = tuple(projects)
    chosen = {ids} if isinstance(ids, str) else set(ids)
    unknown = chosen - {p.id for p in projects}
    if unknown:
        raise KeyError(f"shift_projects: unknown project ids {sorted(unknown)}")
    out = []
    for p in projects:
        if p.id in chosen:
            phases = tuple(
                ph if ph.not_before is None else replace(ph, not_before=ph.not_before + months)
                for ph in p.phases
            )
            p = replace(p, start=p.start + months, phases=phases)
        out.append(p)
    return tuple(out)


# --- SimPy engine --------------------------------------------------------------------------------


def _hop(now: float, target: float) -> float | None:
    """A delay ``d`` with ``now + d == target`` exactly in floating point, or None."""
    d0 = target - now
    up = down = d0
    for _ in range(16):  # search outward by ulps: a one-way nudge can oscillate around a rounding tie
        if now + up == target and up > 0:
            return up
        if now + down == target and down > 0:
            return down
        up = float(np.nextafter(up, np.inf))
        down = float(np.nextafter(down, -np.inf))
    return None


def _waypoint(now: float, target: float) -> float | None:
    """A point strictly between ``now`` and ``target`` that both hops can land on exactly.

    0 if the interval straddles it; for negative times ``now / 2`` (exact), repeated until a
    direct hop works; for positive ones the largest power of two below ``target``, from which
    ``target - waypoint`` is exact (Sterbenz) and so is the sum back.
    """
    if now < 0.0 < target:
        return 0.0
    if now < 0.0:  # both negative: halve (exact) toward the target
        w = now / 2.0
    else:  # 0 <= now < target: the largest power of two below the target
        m, e = math.frexp(target)  # target = m 2^e, 0.5 <= m < 1
        w = math.ldexp(1.0, e - 1) if m > 0.5 else math.ldexp(1.0, e - 2)
    return w if now < w < target else None


def _delays(now: float, target: float) -> list[float]:
    """Timeouts that take a SimPy clock from ``now`` to exactly ``target`` [months].

    SimPy schedules at ``now + delay``, which need not equal ``target`` in floating point.  Each
    hop is nudged until it lands exactly; when no delay can (a rounding tie always lands on the
    even neighbour, or ``|now|`` is much larger than ``|target|``), the clock first steps through
    0 or a power of two between them (:func:`_waypoint`), which it reaches exactly.
    """
    delays: list[float] = []
    while now < target:
        d = _hop(now, target)
        if d is None:
            waypoint = _waypoint(now, target)
            d = _hop(now, waypoint) if waypoint is not None else None
            if d is None or waypoint is None:  # not reached: see the docstring
                raise RuntimeError(f"cannot schedule from {now!r} to {target!r}")
        delays.append(d)
        now = now + d
    return delays


class _Units:
    """Units of the shared resources, handed out by the driver in ``(request time, project)`` order."""

    def __init__(self, env: simpy.Environment, caps: Sequence[int]) -> None:
        self.env = env
        self.free = list(caps)
        self.queues: list[list[tuple[tuple[float, int], simpy.Event]]] = [[] for _ in caps]

    def request(self, r: int, key: tuple[float, int]) -> simpy.Event:
        event = self.env.event()
        heapq.heappush(self.queues[r], (key, event))  # keys are unique: one request per project
        return event

    def release(self, r: int) -> None:
        self.free[r] += 1

    def grant_next(self) -> bool:
        """Grant the smallest-key head of a queue with a free unit; False when there is none."""
        best = -1
        for r, q in enumerate(self.queues):
            if q and self.free[r] > 0 and (best < 0 or q[0][0] < self.queues[best][0][0]):
                best = r
        if best < 0:
            return False
        _, event = heapq.heappop(self.queues[best])
        self.free[best] -= 1
        event.succeed()
        return True


def _project(
    env: simpy.Environment, units: _Units, c: _Compiled, i: int, dur: np.ndarray, s: np.ndarray, e: np.ndarray
) -> Generator[simpy.Event, Any, None]:
    """SimPy process of project ``i``; writes phase starts/ends into ``s``/``e`` ``[phase]``."""
    t = float(c.start[i])
    for k in range(int(c.n_phases[i])):
        for d in _delays(env.now, max(t, float(c.not_before[i, k]))):
            yield env.timeout(d)
        r = int(c.res[i, k])
        if r >= 0:
            yield units.request(r, (env.now, i))
        s[k] = env.now
        yield env.timeout(float(dur[k]))
        e[k] = env.now
        if r >= 0:
            units.release(r)
        t = env.now


def simulate_rollout_simpy(
    projects: Sequence[ProjectSpec], resources: Sequence[ResourceSpec], u: np.ndarray,
    override: np.ndarray | None = None,
) -> RolloutResult:
    """Phase start/end per replication from the discrete-event model (one environment each).

    Parameters and result as in :func:`model.engine.rollout_numpy.simulate_rollout_vectorised`.  Each instant is played in
    rounds: all pending SimPy events at that time run, then the driver grants one unit to the
    waiting request with the smallest ``(request time, project order)`` among resources with a
    free unit, and so on until nothing can be granted; only then does the clock advance.
    """
    import simpy

    projects = tuple(projects)
    c = _compile(projects, resources, u, override)
    n_r, n_p, n_k = c.dur.shape
    s = np.full((n_r, n_p, n_k), np.nan)
    e = np.full((n_r, n_p, n_k), np.nan)
    t0 = min(0.0, float(np.min(np.maximum(c.start, c.not_before[:, 0]))))
    for rep in range(n_r):
        env = simpy.Environment(initial_time=t0)
        units = _Units(env, c.caps)
        for i in range(n_p):
            env.process(_project(env, units, c, i, c.dur[rep, i], s[rep, i], e[rep, i]))
        while True:
            while env.peek() == env.now:
                env.step()
            if units.grant_next():
                continue
            if env.peek() == np.inf:
                break
            env.step()
    return _result(projects, s, e, c.n_phases)
