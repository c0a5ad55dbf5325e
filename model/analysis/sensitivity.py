"""Global sensitivity of a scenario's outcomes: factors from the scenario, SALib designs, the engine.

Every uncertain input becomes a factor automatically (:func:`scenario_factors`): each non-fixed
parameter distribution of :func:`model.engine.parameters.resolve`, every column of the calibrated
baseline's block of standard normals (``Fitted.baseline_groups``: grouped by the baseline factor
it drives -- national volume, the province's share, the region's collected intensity and delivered ratio,
revenue per parcel) and one factor per project phase with an uncertain duration.  SALib samples the unit hypercube; a factor maps its coordinate ``u`` to the
probability ``p = p_lo + u (p_hi - p_lo)`` and then through its quantile function, so
non-uniform priors are respected (``p_lo, p_hi`` are 0 and 1 where the support is finite,
else 0.001 and 0.999, the quantiles :meth:`Distribution.bounds` reports; always 0.001 and 0.999
for the calibration factors, whose quantile functions need open probabilities).

Rollout durations are grouped by project kind by default (hub, county centres, stations:
SALib ``groups``), which keeps ``k`` small and answers "does the timing of the county centres
matter"; ``rollout_groups='project'`` or ``'none'`` gives finer factors.

The design is evaluated by a *model*: a callable from a :class:`Batch` to named outputs.
:func:`engine_model` builds the one that runs the vectorised engine over the whole design in
one go (common random numbers: the inputs that are not factors -- county noise, event
uniforms -- come from :func:`model.engine.parameters.make_draws` on the same seed); tests pass
analytic functions through the same :func:`evaluate` and :func:`analyse`.

Random inputs that are not factors make the model stochastic.  They are tied to the design
so that the estimators stay valid: in a Sobol' design, rows of ``A`` and every ``AB_i`` of a
base sample share one noise draw and ``B`` gets another; in a Morris design each trajectory
shares one.  The noise then acts as an extra, unlisted factor that is never switched, and its
share of the variance is what the listed total indices leave unexplained.

References
----------
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index. Comput. Phys. Commun. 181(2), 259-270.
Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
Technometrics 33(2), 161-174.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NotRequired, TypedDict

import numpy as np

from expressim.calibration.seam import Calibration

if TYPE_CHECKING:
    from expressim.calibration.distributions import Distribution
    from expressim.model.engine.parameters import Draws
    from expressim.model.engine.results import Results
    from expressim.model.engine.simulate import ChunkOutput, Compiled
    from expressim.model.spec.scenario import Scenario, Target


class SalibProblem(TypedDict):
    """A SALib problem on the unit hypercube."""

    num_vars: int
    names: list[str]
    bounds: list[list[float]]
    groups: NotRequired[list[str]]


class IndexRow(TypedDict, total=False):
    """The indices of one output and one factor (group): Sobol' ``S1``, ``ST`` with their 95% half-widths, or
    Morris ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma``; value-of-information rows add the spread of
    ``E[Y | group]`` (:func:`expressim.model.analysis.closed_sobol.nested_spread`)."""

    output: str
    factor: str
    members: list[str]
    constant: bool
    S1: float
    S1_conf: float
    ST: float
    ST_conf: float
    mu_star: float
    mu_star_conf: float
    mu: float
    sigma: float
    index_nested: float
    mean: float
    p05: float
    p10: float
    p25: float
    p50: float
    p75: float
    p90: float
    p95: float
    share_below_half: float
    shrink: float


def index_value(row: IndexRow, key: str) -> float:
    """The index ``key`` of ``row`` (``S1``, ``ST_conf``, ``mu_star`` ...) by name; NaN when the row has none."""
    value = dict(row).get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else float("nan")

#: probability cut from an unbounded tail (matches ``Distribution.bounds``)
TAIL = 0.001
#: rollout grouping choices: one group per project kind (default), per project, or none
ROLLOUT_GROUPINGS = ("kind", "project", "none")


@dataclass(frozen=True)
class Factor:
    """One uncertain input addressed by SALib.

    Attributes
    ----------
    name : str
        Parameter name, or ``rollout:<project>:<phase>`` for a phase duration.
    kind : str
        ``parameter``, ``baseline`` or ``rollout``.
    group : str
        SALib group (the factor's own name when ungrouped).
    ppf : callable
        Quantile function, probability -> value [unit].
    bounds : tuple of float
        Value range [unit]: ``ppf(p_range)``.
    p_range : tuple of float
        Probability range sampled.
    slot : tuple of int, optional
        (project, phase) column of ``Draws.u_rollout`` for rollout factors.
    """

    name: str
    kind: str
    group: str
    ppf: Callable[[np.ndarray], np.ndarray]
    bounds: tuple[float, float]
    p_range: tuple[float, float] = (0.0, 1.0)
    unit: str = ""
    slot: tuple[int, int] | None = None

    def probability(self, u: np.ndarray) -> np.ndarray:
        """Design coordinate in [0, 1] -> probability in ``p_range``."""
        lo, hi = self.p_range
        return lo + np.asarray(u, dtype=float) * (hi - lo)

    def values(self, u: np.ndarray) -> np.ndarray:
        """Design coordinate -> value [unit]."""
        return np.asarray(self.ppf(self.probability(u)), dtype=float)


@dataclass(frozen=True)
class Problem:
    """Factors in design-column order."""

    factors: tuple[Factor, ...]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.factors]

    @property
    def groups(self) -> list[str]:
        """Unique group names in order of first appearance (SALib's order)."""
        return list(dict.fromkeys(f.group for f in self.factors))

    def members(self) -> dict[str, list[str]]:
        """Group -> factor names."""
        out: dict[str, list[str]] = {g: [] for g in self.groups}
        for f in self.factors:
            out[f.group].append(f.name)
        return out

    def regroup(self, group_of: Callable[[Factor], str]) -> Problem:
        """The same factors with new groups."""
        return Problem(tuple(replace(f, group=group_of(f)) for f in self.factors))

    def salib(self) -> SalibProblem:
        """SALib problem on the unit hypercube (groups only when some factor shares one)."""
        d: SalibProblem = {"num_vars": len(self.factors), "names": self.names,
                             "bounds": [[0.0, 1.0]] * len(self.factors)}
        if len(self.groups) < len(self.factors):
            d["groups"] = [f.group for f in self.factors]
        return d


def _p_range(ppf: Callable[[np.ndarray], np.ndarray], bounds: tuple[float, float]) -> tuple[float, float]:
    """Probabilities sampled: 0 (1) where ``ppf(0)`` (``ppf(1)``) is the finite bound, else the tail cut."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        end = [float(np.asarray(ppf(np.array([p])))[0]) for p in (0.0, 1.0)]
    p_lo = 0.0 if np.isfinite(end[0]) and np.isclose(end[0], bounds[0]) else TAIL
    p_hi = 1.0 if np.isfinite(end[1]) and np.isclose(end[1], bounds[1]) else 1.0 - TAIL
    return p_lo, p_hi


def scenario_factors(scenario: Scenario, dists: Mapping[str, Distribution], fitted: Calibration | None, *,
                     rollout_groups: str = "kind") -> Problem:
    """Every uncertain input of a scenario as a factor.

    Parameters
    ----------
    scenario : Scenario
        Gives the projects and their phase durations.
    dists : dict
        Parameter distributions (:func:`model.engine.parameters.resolve`); fixed ones are skipped.
    fitted : calibration.fit.Fitted or None
        Calibration: one standard-normal factor per column of its baseline block, grouped by
        ``fitted.baseline_groups`` (None: no baseline factors).
    rollout_groups : {'kind', 'project', 'none'}
        Group phase durations by project kind, by project, or not at all.
    """
    if rollout_groups not in ROLLOUT_GROUPINGS:
        raise ValueError(f"rollout_groups: expected one of {ROLLOUT_GROUPINGS}, got {rollout_groups!r}")
    out: list[Factor] = []
    for name, d in dists.items():
        if not d.is_fixed:
            b = d.bounds()
            out.append(Factor(name, "parameter", name, d.ppf, b, _p_range(d.ppf, b), d.unit))
    from scipy.stats import norm

    from expressim.model.engine.parameters import baseline_years

    groups = fitted.baseline_groups(baseline_years(scenario)) if fitted is not None else ()
    for j, group in enumerate(groups):  # standard normals: cut the tails
        pr = (TAIL, 1.0 - TAIL)
        b = (float(norm.ppf(pr[0])), float(norm.ppf(pr[1])))
        out.append(Factor(f"baseline:{j}", "baseline", group, norm.ppf, b, pr, "standard normal"))
    for i, p in enumerate(scenario.projects):
        for j, ph in enumerate(p.phases):
            if ph.duration.is_fixed:
                continue
            name = f"rollout:{p.id}:{ph.name}"
            group = {"kind": f"rollout:{p.kind}", "project": f"rollout:{p.id}", "none": name}[rollout_groups]
            b = ph.duration.bounds()
            out.append(Factor(name, "rollout", group, ph.duration.ppf, b, _p_range(ph.duration.ppf, b), "months", (i, j)))
    return Problem(tuple(out))


@dataclass(frozen=True)
class Design:
    """A SALib design in unit coordinates with the noise row each design row uses."""

    method: str
    u: np.ndarray
    noise: np.ndarray
    n_noise: int
    n_base: int

    @property
    def n(self) -> int:
        return int(self.u.shape[0])


def sample_design(problem: Problem, method: str, n: int, seed: int) -> Design:
    """Sobol' (Saltelli, no second order) or Morris (4 levels) design of ``n`` base samples/trajectories."""
    pd = problem.salib()
    g = len(problem.groups)
    if method == "sobol":
        from SALib.sample import sobol

        with warnings.catch_warnings():  # scipy warns when n is not a power of two; the design is still valid
            warnings.simplefilter("ignore", UserWarning)
            u = sobol.sample(pd, n, calc_second_order=False, seed=seed)
        r = np.arange(u.shape[0])
        block = g + 2
        noise = np.where(r % block == block - 1, n + r // block, r // block)
        return Design(method, u, noise, 2 * n, n)
    if method == "morris":
        from SALib.sample import morris

        u = morris.sample(pd, n, num_levels=4, seed=seed)
        return Design(method, u, np.arange(u.shape[0]) // (g + 1), n, n)
    raise ValueError(f"method: expected 'sobol' or 'morris', got {method!r}")


@dataclass(frozen=True)
class Batch:
    """Rows of a design handed to a model: unit coordinates and noise rows (global indices)."""

    problem: Problem
    u: np.ndarray
    noise: np.ndarray
    n_noise: int

    def values(self) -> dict[str, np.ndarray]:
        """Factor name -> values [unit]."""
        return {f.name: f.values(self.u[:, c]) for c, f in enumerate(self.problem.factors)}


Model = Callable[[Batch], dict[str, np.ndarray]]


def evaluate(problem: Problem, u: np.ndarray, noise: np.ndarray, n_noise: int, model: Model, *,
             batch: int = 40_000) -> dict[str, np.ndarray]:
    """Run ``model`` over the design rows in batches of at most ``batch`` rows (bounds memory)."""
    edges = np.linspace(0, u.shape[0], -(-u.shape[0] // batch) + 1).astype(int)  # equal batches
    parts = [model(Batch(problem, u[a:b], noise[a:b], n_noise)) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _pick(res: Mapping[str, np.ndarray], key: str, i: int) -> float:
    """Index ``key`` of group ``i`` in a SALib result (masked -> NaN); NaN without a result (a constant output)."""
    return float(np.ma.filled(np.asarray(res[key], dtype=float), np.nan)[i]) if res else float("nan")


def analyse(problem: Problem, design: Design, outputs: dict[str, np.ndarray], *, seed: int = 1,
            num_resamples: int = 100) -> list[IndexRow]:
    """SALib indices for every output and group, one row each.

    Sobol': ``S1``, ``ST`` and their bootstrap half-widths ``S1_conf``, ``ST_conf`` (95%).
    Morris: ``mu_star`` (mean absolute elementary effect per unit of the design coordinate,
    i.e. across the factor's whole probability range), ``mu_star_conf``, ``mu``, ``sigma``.
    A constant output gets NaN indices and ``constant = True``.
    """
    pd = problem.salib()
    members = problem.members()
    rows: list[IndexRow] = []
    for out, y in outputs.items():
        y = np.asarray(y, dtype=float)
        const = bool(np.ptp(y) == 0.0)
        res: dict[str, np.ndarray] = {}
        if not const and design.method == "sobol":
            from SALib.analyze import sobol

            res = dict(sobol.analyze(pd, y, calc_second_order=False, num_resamples=num_resamples,
                                     conf_level=0.95, seed=(seed % 2**31) or 1))
        elif not const:
            from SALib.analyze import morris

            res = dict(morris.analyze(pd, design.u, y, num_resamples=num_resamples, conf_level=0.95,
                                      num_levels=4, seed=(seed % 2**31) or 1))
        for i, g in enumerate(problem.groups):
            row: IndexRow = {"output": out, "factor": g, "members": members[g], "constant": const}
            if design.method == "sobol":
                row.update({"S1": _pick(res, "S1", i), "S1_conf": _pick(res, "S1_conf", i), "ST": _pick(res, "ST", i),
                            "ST_conf": _pick(res, "ST_conf", i)})
            else:
                row.update({"mu_star": _pick(res, "mu_star", i), "mu_star_conf": _pick(res, "mu_star_conf", i),
                            "mu": _pick(res, "mu", i), "sigma": _pick(res, "sigma", i)})
            rows.append(row)
    return rows


# ---- the engine as a model ------------------------------------------------------------------------

def target_outputs(results: Results, targets: Sequence[Target]) -> dict[str, np.ndarray]:
    """Per replication: each target's metric in its year (``<id>.value``) and attainment (``<id>.attained``)."""
    from expressim.model.engine.targets import attained

    out: dict[str, np.ndarray] = {}
    for t in targets:
        v = np.asarray(results.target_values[t.id][:, results.years.index(t.year)], dtype=float)
        out[f"{t.id}.value"] = v
        out[f"{t.id}.attained"] = attained(t, v).astype(float)
    return out


class OutputMeta(TypedDict):
    """What an output of :func:`target_outputs` is: its target, kind (``indicator`` or ``attainment``), metric,
    year and unit."""

    output: str
    target: str
    output_kind: str
    metric: str
    year: int
    unit: str


def output_meta(targets: Sequence[Target]) -> dict[str, OutputMeta]:
    """Output name (``<id>.value``, ``<id>.attained``) -> what it is, for every target."""
    meta: dict[str, OutputMeta] = {}
    for t in targets:
        for kind in ("value", "attained"):
            meta[f"{t.id}.{kind}"] = {"output": f"{t.id}.{kind}", "target": t.id, "output_kind": (
                "indicator" if kind == "value" else "attainment"), "metric": t.metric, "year": t.year,
                "unit": t.unit if kind == "value" else "0/1"}
    return meta


def _reduce_to_targets(comp: Compiled, raw: ChunkOutput, draws: Draws, *, seed: int,
                       targets: Sequence[Target]) -> dict[str, np.ndarray]:
    """Engine output of one chunk reduced to the targets' outputs (runs where the chunk ran)."""
    from expressim.model.engine import ensemble

    return target_outputs(ensemble.to_results(comp, raw, draws, seed), targets)


def engine_model(comp: Compiled, fitted: Calibration, dists: Mapping[str, Distribution], seed: int,
                 targets: Sequence[Target], *,
                 workers: int = 1, progress: Callable[[int], object] | None = None) -> Model:
    """A model running the vectorised engine on a batch of design rows.

    Factors replace the drawn parameters and phase-duration uniforms; every other random input
    is row ``noise[i]`` of ``make_draws(n_noise)`` on ``seed`` (common random numbers with a
    plain run of the same seed).  :func:`model.engine.ensemble.execute` reduces each chunk to the
    targets' outputs where it ran, so workers ship back only those.  Results do not depend on
    ``workers``.
    """
    from functools import partial

    from expressim.model.engine import ensemble
    from expressim.model.engine.parameters import Draws, baseline_years, make_draws

    noise_draws: dict[int, Draws] = {}

    def model(b: Batch) -> dict[str, np.ndarray]:
        if b.n_noise not in noise_draws:
            noise_draws[b.n_noise] = make_draws(comp.scenario, dists, fitted, b.n_noise, seed, len(comp.county_ids))
        base, idx = noise_draws[b.n_noise], b.noise
        params = {k: v[idx] for k, v in base.params.items()}
        u_roll = base.u_rollout[idx].copy()
        events = {k: v[idx] for k, v in base.u_events.items()}
        for c, f in enumerate(b.problem.factors):
            if f.slot is not None:
                u_roll[:, f.slot[0], f.slot[1]] = f.probability(b.u[:, c])
            elif f.kind == "baseline":
                events["baseline"][:, int(f.name.split(":")[1])] = f.values(b.u[:, c])
            else:
                params[f.name] = f.values(b.u[:, c])
        params.update(fitted.baseline_summaries(baseline_years(comp.scenario), events["baseline"]))
        draws = Draws(len(idx), params, u_roll, base.z_county[idx], events)
        return ensemble.execute(comp, fitted, draws, workers=workers, progress=progress,
                                reduce=partial(_reduce_to_targets, seed=seed, targets=tuple(targets)))

    return model
