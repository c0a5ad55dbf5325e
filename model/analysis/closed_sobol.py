"""Value of information: which uncertain inputs better statistics could pin down, and how much it would help.

For a group ``G`` of inputs and an outcome ``Y`` (a target's attainment indicator, or the
indicator it thresholds), perfect information on ``G`` replaces ``Var(Y)`` by ``Var(Y | G)``;
its expected reduction is

    E[Var(Y) - Var(Y | G)] / Var(Y) = Var(E[Y | G]) / Var(Y),

the *closed first-order* Sobol' index of the group (Saltelli et al. 2008, ch. 4; Oakley 2009
for the link with the expected value of partial perfect information).  Estimators used here:

* the index itself: SALib's Sobol' analysis with groups (one group per data source, rollout
  durations as "policy timing", the rest as "other inputs"), with bootstrap intervals;
* how the probability would move once ``G`` is known: a nested sample, ``n_outer`` values of
  ``G`` each with ``n_inner`` independent draws of everything else; the inner means estimate
  ``P(target | G)``.  Their spread is shrunk by the one-way ANOVA factor
  ``sqrt(max(0, 1 - (mean within-variance / n_inner) / variance of the means))`` so that the
  inner Monte-Carlo noise does not widen it; the same ANOVA gives a second estimate of the index.

References
----------
Saltelli, A. et al. (2008). *Global Sensitivity Analysis: The Primer*. Wiley.
Oakley, J. E. (2009). Decision-theoretic sensitivity analysis for complex computer models.
Technometrics 51(2), 121-129.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import TypedDict

import numpy as np

from expressim.model.analysis.sensitivity import (
    Factor,
    IndexRow,
    Model,
    Problem,
    analyse,
    evaluate,
    sample_design,
)
from expressim.model.spec.conventions import QUANTILES

#: group -> (name patterns, the statistic to ask for); "policy timing" is what only policy controls
VOI_GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "local level": (
        ("local_collected_intensity", "local_delivered_relative", "province_share_u", "national_volume_u"),
        "the region's own annual parcels collected (快递业务量) and delivered, from the city postal administration"),
    "county split": (
        ("urban_*_intensity", "county_share_noise"),
        "parcels collected and delivered by county (区县快递业务量)"),
    "infrastructure effects": (
        ("centre_*", "hub_*", "station_*", "capacity_*"),
        "before/after parcel counts and capacity of an opened county co-distribution centre"),
    "spillover coefficients": (
        ("revenue_per_parcel*", "jobs_*", "online_value_per_parcel*", "specialty_*", "firm_*"),
        "the region's express revenue, express employment and online-retail / specialty-sales statistics"),
    "policy timing": (("rollout:*",), "not a statistic: project schedules are decided by policy"),
}
OTHER = "other inputs"
DATA_GROUPS = tuple(g for g in VOI_GROUPS if g != "policy timing")


def voi_group(factor: Factor) -> str:
    """The value-of-information group of a factor (by name pattern), else :data:`OTHER`.

    A calibrated-baseline column is matched by its factor group (``national_volume_u`` ...).
    """
    name = factor.group if factor.kind == "baseline" else factor.name
    for g, (patterns, _) in VOI_GROUPS.items():
        if any(fnmatchcase(name, p) for p in patterns):
            return g
    return OTHER


class Spread(TypedDict):
    """The spread of ``E[Y | group]`` over a group's values (:func:`nested_spread`): the ANOVA index, the mean,
    the quantiles of the contracted set (``p05`` ... ``p95``), the share below one half and the shrinkage."""

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


class InfoGroup(TypedDict):
    """An information group: its members, the statistic that would inform it, whether policy controls it."""

    group: str
    members: list[str]
    statistic: str
    policy_controlled: bool


class GroupRank(TypedDict):
    """A data group in the overall ranking by mean closed first-order index."""

    group: str
    mean_S1: float
    statistic: str


class Ranking(TypedDict):
    """Per ranked output the data groups by ``S1``, the overall order, and the mean ``S1`` of policy timing."""

    by_output: dict[str, list[str]]
    overall: list[GroupRank]
    policy_timing_mean_S1: float


class ValueOfInformation(TypedDict):
    """``voi.json`` (without the scenario and seed the CLI adds)."""

    estimator: str
    groups: list[InfoGroup]
    indices: list[IndexRow]
    ranking: Ranking
    evaluations: int


def _spread(y: np.ndarray) -> Spread:
    """Summaries of the conditional means of one output, ``y`` shaped (n_outer, n_inner)."""
    n_inner = y.shape[1]
    means, within = y.mean(axis=1), y.var(axis=1, ddof=1).mean()
    v_means = float(means.var(ddof=1))
    v_cond = max(0.0, v_means - within / n_inner)
    shrink = float(np.sqrt(v_cond / v_means)) if v_means > 0 else 0.0
    adj = means.mean() + (means - means.mean()) * shrink
    q = np.quantile(adj, QUANTILES)
    vy = float(y.var(ddof=1))
    if len(QUANTILES) != 7:  # the contracted set (calibration.conventions): p05 p10 p25 p50 p75 p90 p95
        raise ValueError(f"expected the seven contracted quantiles, got {QUANTILES}")
    return {"index_nested": v_cond / vy if vy > 0 else float("nan"), "mean": float(means.mean()),
            "p05": float(q[0]), "p10": float(q[1]), "p25": float(q[2]), "p50": float(q[3]), "p75": float(q[4]),
            "p90": float(q[5]), "p95": float(q[6]), "share_below_half": float(np.mean(adj < 0.5)), "shrink": shrink}


def nested_spread(problem: Problem, model: Model, outputs: list[str], *, n_outer: int, n_inner: int,
                  seed: int) -> dict[str, dict[str, Spread]]:
    """Distribution of ``E[Y | group]`` across group values, for every group, from nested samples.

    All groups' samples go to the model in one design (few large batches); each group's inner
    draws use the same noise rows (common random numbers across groups).

    Returns
    -------
    dict
        group -> output -> ``index_nested`` (ANOVA estimate of Var(E[Y|G]) / Var(Y)), the
        quantiles ``p05`` ... ``p95`` of the (shrunk) conditional means, ``share_below_half``
        (for an attainment output: how often knowing the group would show the target more
        likely missed than met), ``mean`` and ``shrink``.
    """
    rng = np.random.default_rng(seed)
    n, groups = n_outer * n_inner, problem.groups
    parts = []
    for g in groups:
        cols = [c for c, f in enumerate(problem.factors) if f.group == g]
        u = rng.random((n, len(problem.factors)))
        u[:, cols] = np.repeat(rng.random((n_outer, len(cols))), n_inner, axis=0)
        parts.append(u)
    ys = evaluate(problem, np.concatenate(parts), np.tile(np.arange(n), len(groups)), n, model)
    return {g: {o: _spread(ys[o][i * n:(i + 1) * n].reshape(n_outer, n_inner)) for o in outputs}
            for i, g in enumerate(groups)}


def value_of_information(problem: Problem, model: Model, outputs: list[str], *, n: int, seed: int,
                         n_outer: int = 250, n_inner: int = 40,
                         group_of: Callable[[Factor], str] = voi_group) -> ValueOfInformation:
    """Closed first-order indices of the information groups, their spread, and a ranking.

    Parameters
    ----------
    problem : Problem
        Factors (their own groups are replaced by ``group_of``).
    model : callable
        Evaluates a :class:`model.analysis.sensitivity.Batch`.
    outputs : list of str
        Outputs to analyse; names ending in ``.attained`` are ranked.
    n : int
        Base samples of the grouped Sobol' design (``n (G + 2)`` evaluations).
    n_outer, n_inner : int
        Nested sample per group (``n_outer n_inner`` evaluations each).

    Returns
    -------
    dict
        ``groups`` (members, statistic), ``estimator``, ``indices`` per output and group
        (``S1`` = expected variance reduction with ``S1_conf``, ``ST``, nested estimate and the
        10/50/90% of ``E[Y | group]``), and ``ranking``: per ranked output the data groups in
        order of ``S1``, then an overall order by the mean ``S1`` over ranked outputs.
    """
    vp = problem.regroup(group_of)
    design = sample_design(vp, "sobol", n, seed)
    ys = evaluate(vp, design.u, design.noise, design.n_noise, model)
    rows = [r for r in analyse(vp, design, ys, seed=seed) if r["output"] in outputs]
    spread = nested_spread(vp, model, outputs, n_outer=n_outer, n_inner=n_inner, seed=seed)
    for r in rows:
        r.update(spread[r["factor"]][r["output"]])
    ranked = [o for o in outputs if o.endswith(".attained")] or outputs
    ranking: dict[str, list[str]] = {}
    for o in ranked:
        rs = [r for r in rows if r["output"] == o and r["factor"] in DATA_GROUPS and np.isfinite(r["S1"])]
        ranking[o] = [r["factor"] for r in sorted(rs, key=lambda r: -r["S1"])]
    mean_s1 = {g: float(np.nanmean([r["S1"] for r in rows if r["factor"] == g and r["output"] in ranked] or [np.nan]))
               for g in vp.groups}
    overall = sorted((g for g in DATA_GROUPS if g in mean_s1 and np.isfinite(mean_s1[g])), key=lambda g: -mean_s1[g])
    members = vp.members()
    return {
        "estimator": ("closed first-order index Var(E[Y|G])/Var(Y) of each group from a SALib Sobol' design with "
                      f"groups (N={n}, {design.n} evaluations, 95% bootstrap half-widths); spread of E[Y|G] from a "
                      f"nested sample ({n_outer} group values x {n_inner} inner draws per group), ANOVA-shrunk"),
        "groups": [{"group": g, "members": members[g], "statistic": VOI_GROUPS.get(g, ((), "not a named data group"))[1],
                    "policy_controlled": g == "policy timing"} for g in vp.groups],
        "indices": rows,
        "ranking": {"by_output": ranking, "overall": [{"group": g, "mean_S1": mean_s1[g],
                                                       "statistic": VOI_GROUPS[g][1]} for g in overall],
                    "policy_timing_mean_S1": mean_s1.get("policy timing", float("nan"))},
        "evaluations": design.n + len(vp.groups) * n_outer * n_inner,
    }
