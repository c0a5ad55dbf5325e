"""What each answer rests on: for every target, the inputs that decide it, labelled ``data``,
``evidence`` or ``assumption`` (:func:`input_kind`), with P recomputed with the input at its 10th and 90th percentile.

Method (see docs/rests_on.md): the replications already simulated are reused, nothing is rerun.
For an input ``x`` (one entry of ``Results.params``, or a group of entries that form one input)
and a target's met indicator ``y`` (0/1 per replication), ``g(q) = P(met | x at its q-th
quantile)`` is estimated by a local-linear regression of ``y`` on the rank of ``x`` (Gaussian
kernel, bandwidth :func:`bandwidth` in rank units), at ``q = 0.1`` and ``q = 0.9``.  Because
every other input keeps its own draw, ``g(q)`` averages over them exactly as the run's P does:
it is "P with that input held at its q-th percentile", without a second simulation.

Why this method rather than one-at-a-time reruns or a Sobol' design: its cost is a few weighted
sums over the replications per input (``O(n × inputs × targets)``, milliseconds at the plan's
2,000 replications) so a plan run with it stays well within twice the cost of one without
(``benchmarks/rests_on_cost.py``), it needs no new draws, and it keeps working whatever inputs
``draws.params`` holds (the calibration's factors are discovered by name, not listed here).  Its
price is Monte-Carlo noise: each estimate leans on the ~20% of replications whose input rank is
near ``q``, so its standard error (``stderr``) is about three times the run's binomial s.e.

Groups: several entries that form one input (jobs per parcel = its 2023 level and its yearly
fall; the rollout durations of one kind of project) are combined into one index per target,
the linear combination of the members' normal scores that best predicts ``y`` (least squares,
cross-fitted on two halves so that an input without influence gets no spurious direction).
For a group, ``probability_low`` is therefore P with the group at the 10th percentile of the
combination *least favourable* to the target, and ``probability_low <= probability_high`` in
expectation; for a single input ``probability_low`` is P at the input's own 10th percentile
(so a falling coefficient can give ``probability_low > probability_high``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from expressim.calibration.assumptions import evidence_script
from expressim.calibration.seam import Calibration

if TYPE_CHECKING:
    from expressim.model.engine.results import Results

#: the two quantiles at which each input is held
SWING_QUANTILES = (0.1, 0.9)
#: a swing |P_high - P_low| at least this large, and above noise, "decides" a target
DECISIVE_SWING = 0.2
#: standard errors of the swing below which it is not told apart from zero
NOISE_SDS = 3.0

#: entries of ``draws.params`` that together form one input: group id -> (label, members)
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "jobs_per_parcel": ("the assumed jobs per parcel (2023 level and yearly fall)",
                        ("jobs_per_10k_parcels_2023", "jobs_productivity_growth")),
    "online_value_per_parcel": ("the assumed online-retail value per delivered parcel (2023 level and yearly fall)",
                                ("online_value_per_parcel", "online_value_per_parcel_decline")),
    "specialty_per_parcel": ("the assumed specialty sales per collected parcel (share and value)",
                             ("specialty_share_outbound", "specialty_value_per_parcel")),
    "firm_split": ("the assumed split of revenue across firms (count and Zipf exponent)",
                   ("firm_count", "firm_size_exponent")),
    "urban_intensity": ("the assumed urban county's intensity against the other counties",
                        ("urban_collected_intensity", "urban_delivered_intensity")),
    "specialty_liquor": ("the assumed liquor line's path (2023 tonnes and growth)",
                         ("specialty_liquor_tonnes_2023", "specialty_liquor_growth")),
    "scenic": ("the assumed scenic-spot coverage process (spots, start coverage, yearly chance)",
               ("scenic_spots_4a", "scenic_coverage_start", "scenic_yearly_hazard")),
}
#: labels of the calibration's factors, ``{region}`` the calibrated region's name (:func:`calibrated_label`)
CALIBRATED_LABELS: dict[str, str] = {
    "national_volume_u": "the national parcel-volume path",
    "province_share_u": "the province's share of the national parcels",
    "local_collected_intensity": "{region}'s parcels collected per person against its province's",
    "local_delivered_relative": "{region}'s parcels delivered per person against the nation's",
    "revenue_per_parcel": "{region}'s express revenue per parcel",
}


def calibrated_label(name: str, region: str | None = None) -> str:
    """The words for a calibrated factor of :data:`CALIBRATED_LABELS`, naming ``region`` (a region pack's
    prefecture, e.g. the calibration's :attr:`~expressim.calibration.seam.Calibration.region`), else
    "the region"."""
    return CALIBRATED_LABELS[name].format(region=region or "the region")
@dataclass(frozen=True)
class Input:
    """One input of the analysis.

    Attributes
    ----------
    id : str
        A parameter name, a :data:`GROUPS` id, or ``rollout:<kind>``.
    label : str
        Words for the report.
    kind : str
        ``data``, ``evidence`` or ``assumption``.
    members : tuple of str
        Parameter names (or ``project.phase``) combined in this input.
    values : ndarray
        Member values per replication, shape (n, k) [each member's unit].
    """

    id: str
    label: str
    kind: str
    members: tuple[str, ...]
    values: np.ndarray


class RestsOnRecord(TypedDict):
    """One entry of a target's ``rests_on`` in ``summary.json`` (DESIGN.md §6)."""

    input: str
    label: str
    kind: str
    probability_low: float
    probability_high: float
    stderr: float


@dataclass(frozen=True)
class RestsOn:
    """P of one target with one input at its 10th and 90th percentile.

    Attributes
    ----------
    probability_low, probability_high : float
        P(met) with the input at its 10th / 90th percentile [probability].
    stderr : float
        Monte-Carlo standard error of each of the two (the larger) [probability].
    """

    input: str
    label: str
    kind: str
    probability_low: float
    probability_high: float
    stderr: float

    @property
    def influence(self) -> float:
        """``|probability_high - probability_low|`` [probability]."""
        return abs(self.probability_high - self.probability_low)

    @property
    def decisive(self) -> bool:
        """The swing is at least :data:`DECISIVE_SWING` and above three standard errors of the
        difference (``sqrt(2) stderr``: the two ends use disjoint replications)."""
        return self.influence >= DECISIVE_SWING and self.influence > NOISE_SDS * np.sqrt(2.0) * self.stderr

    def as_dict(self) -> RestsOnRecord:
        """The entry as written in ``summary.json`` (``rests_on``)."""
        return {"input": self.input, "label": self.label, "kind": self.kind,
                "probability_low": self.probability_low, "probability_high": self.probability_high,
                "stderr": self.stderr}


def input_kind(name: str, fitted: Calibration) -> str:
    """``data``, ``evidence`` or ``assumption`` (DESIGN.md §6).

    ``data``: a calibrated quantity with observations behind it (the calibration says how many bear
    on each of its factors, :meth:`Calibration.observations_behind`: the national path and the province's
    share have their own series; the region's ratios and revenue per parcel only when its own releases
    are in the likelihood).  ``evidence``: otherwise, a prior whose register entry was built by a
    committed script from cited evidence rows (:func:`calibration.assumptions.evidence_script`).
    ``assumption``: every other input (plain register priors, scenario priors, rollout durations).
    """
    if name in CALIBRATED_LABELS and fitted.observations_behind(name) > 0:
        return "data"
    entry = (getattr(fitted, "register", None) or {}).get(name)
    return "evidence" if entry is not None and evidence_script(entry) else "assumption"


def group_kind(kinds: set[str]) -> str:
    """The kind of a group of inputs: ``data`` if all are, ``evidence`` if all are data or evidence,
    else ``assumption``."""
    if kinds == {"data"}:
        return "data"
    return "evidence" if kinds <= {"data", "evidence"} else "assumption"


def _label(name: str, register: Mapping[str, Mapping[str, object]], region: str | None = None) -> str:
    if name in CALIBRATED_LABELS:
        return calibrated_label(name, region)
    entry = register.get(name)
    desc = entry.get("description") if isinstance(entry, Mapping) else getattr(entry, "description", None)
    return f"the assumed {desc}" if desc else name.replace("_", " ")


def collect_inputs(results: Results, fitted: Calibration, register: Mapping[str, Mapping[str, object]] | None = None,
                   groups: Mapping[str, tuple[str, tuple[str, ...]]] = GROUPS) -> list[Input]:
    """Every uncertain input of a run: the entries of ``results.params`` (grouped by ``groups``)
    and, per project kind, the phase durations (``phase_end - phase_start``).

    Entries constant across replications (fixed parameters) are left out.
    """
    reg = register if register is not None else getattr(fitted, "register", {}) or {}
    params = {k: np.asarray(v, dtype=float) for k, v in results.params.items()}
    varying = {k: v for k, v in params.items() if v.size and np.ptp(v) > 0}
    out: list[Input] = []
    used: set[str] = set()
    for gid, (label, members) in groups.items():
        present = tuple(m for m in members if m in varying)
        if not present:
            continue
        kinds = {input_kind(m, fitted) for m in present}
        out.append(Input(gid, label, group_kind(kinds), present,
                         np.column_stack([varying[m] for m in present])))
        used.update(present)
    for name, v in varying.items():
        if name not in used:
            out.append(Input(name, _label(name, reg, fitted.region), input_kind(name, fitted), (name,),
                             v[:, None]))
    scn = results.scenario
    kinds_of = {p.id: p.kind for p in scn.projects}
    dur = np.asarray(results.phase_end, dtype=float) - np.asarray(results.phase_start, dtype=float)
    by_kind: dict[str, list[tuple[str, np.ndarray]]] = {}
    for i, pid in enumerate(results.project_ids):
        for j, ph in enumerate(results.phase_names[i]):
            d = dur[:, i, j]
            if np.all(np.isfinite(d)) and np.ptp(d) > 0:
                by_kind.setdefault(kinds_of.get(pid, "project"), []).append((f"{pid}.{ph}", d))
    for kind, cols in by_kind.items():
        out.append(Input(f"rollout:{kind}", f"the assumed {kind.replace('_', ' ')} phase durations", "assumption",
                         tuple(c for c, _ in cols), np.column_stack([d for _, d in cols])))
    return out


def ranks(x: np.ndarray) -> np.ndarray:
    """Mid-ranks scaled into (0, 1) along the first axis: ``(rank - 0.5) / n`` (ties share their mean rank)."""
    from scipy.stats import rankdata

    x = np.asarray(x, dtype=float)
    return np.asarray((rankdata(x, axis=0) - 0.5) / x.shape[0])


def bandwidth(n: int) -> float:
    """Kernel bandwidth [rank units]: ``0.1 (n / 2000)^(-1/5)`` within [0.04, 0.2].

    The ``n^(-1/5)`` rate is the usual one for a local-linear smoother; 0.1 at the plan's
    2,000 replications leans on about the nearest fifth of the replications.
    """
    return float(np.clip(0.1 * (max(n, 2) / 2000.0) ** -0.2, 0.04, 0.2))


def local_probability(u: np.ndarray, y: np.ndarray, q: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Local-linear estimate of ``E[y | u = q]`` and its standard error, column by column.

    Parameters
    ----------
    u : ndarray
        Ranks in (0, 1), shape (n,) (shared by every column of ``y``) or (n, T).
    y : ndarray
        Outcomes in [0, 1], shape (n,) or (n, T).
    q, h : float
        Evaluation point and Gaussian kernel bandwidth [rank units].

    Returns
    -------
    estimate, stderr : ndarray
        Shape (T,) (scalar arrays for 1-D inputs); the estimate is clipped to [0, 1]; the error is
        ``sqrt(sum l_i^2 p (1 - p))`` with ``l`` the equivalent-kernel weights.
    """
    yy = np.asarray(y, dtype=float)
    d = np.asarray(u, dtype=float) - q
    if d.ndim < yy.ndim:
        d = d[:, None]
    w = np.exp(-0.5 * (d / h) ** 2)
    s0, s1, s2 = w.sum(axis=0), (w * d).sum(axis=0), (w * d * d).sum(axis=0)
    den = s0 * s2 - s1 * s1
    ok = den > 1e-12 * np.maximum(s0 * s2, 1e-300)
    lw = np.where(ok, w * (s2 - s1 * d) / np.where(ok, den, 1.0), w / s0)
    est = np.clip((lw * yy).sum(axis=0), 0.0, 1.0)
    se = np.sqrt((lw * lw).sum(axis=0) * est * (1.0 - est))
    return est, se


def _group_index(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cross-fitted least-squares index of each column of ``y`` (n, T) on the columns of ``z`` (n, k):
    each half of the replications uses the coefficients fitted on the other half; shape (n, T)."""
    n = z.shape[0]
    fold = np.arange(n) % 2
    x = np.column_stack([np.ones(n), z])
    idx = np.empty((n, y.shape[1]))
    for f in (0, 1):
        train, test = fold != f, fold == f
        xt = x[train]
        # normal equations with einsum: multi-threaded BLAS on a busy machine was 100x slower here
        gram = np.einsum("ij,ik->jk", xt, xt)
        beta = np.linalg.solve(gram + 1e-9 * np.trace(gram) * np.eye(gram.shape[0]), np.einsum("ij,ik->jk", xt, y[train]))
        idx[test] = np.einsum("ij,jk->ik", z[test], beta[1:])
    return idx


def swings(inputs: Sequence[Input], met: Mapping[str, np.ndarray]) -> dict[str, list[RestsOn]]:
    """For each target, every input's P at its 10th and 90th percentile, most influential first.

    Parameters
    ----------
    inputs : sequence of Input
        From :func:`collect_inputs` (or built by hand in tests).
    met : mapping
        Target id -> met indicator per replication, shape (n,) (bool or 0/1).

    Returns
    -------
    dict
        Target id -> list of :class:`RestsOn` ordered by ``influence`` (largest first).  A target
        met in every replication or in none gets ``probability_low = probability_high = P`` for
        every input.
    """
    from scipy.stats import norm

    if not met:
        return {}
    tids = list(met)
    y = np.column_stack([np.asarray(met[t], dtype=float) for t in tids])  # (n, T)
    n = y.shape[0]
    h = bandwidth(n)
    p = y.mean(axis=0)
    varying = np.ptp(y, axis=0) > 0
    yv = y[:, varying]
    out: dict[str, list[RestsOn]] = {t: [] for t in tids}
    for inp in inputs:
        vals = np.asarray(inp.values, dtype=float).reshape(n, -1)
        lo, hi, se = p.copy(), p.copy(), np.zeros(len(tids))
        if yv.shape[1]:
            if vals.shape[1] == 1:
                u = ranks(vals[:, 0])
                usable = np.ones(yv.shape[1], dtype=bool)
            else:
                z = norm.ppf(ranks(vals))
                idx = _group_index(z, yv)
                usable = np.ptp(idx, axis=0) > 0
                u = ranks(idx)
            (lo_v, lo_s), (hi_v, hi_s) = (local_probability(u, yv, q, h) for q in SWING_QUANTILES)
            cols = np.flatnonzero(varying)[usable]
            lo[cols], hi[cols], se[cols] = lo_v[usable], hi_v[usable], np.maximum(lo_s, hi_s)[usable]
        for k, t in enumerate(tids):
            out[t].append(RestsOn(inp.id, inp.label, inp.kind, float(lo[k]), float(hi[k]), float(se[k])))
    for t in tids:
        out[t].sort(key=lambda r: -r.influence)
    return out


def analyse(results: Results, fitted: Calibration,
            register: Mapping[str, Mapping[str, object]] | None = None) -> dict[str, list[RestsOn]]:
    """What every target of a run rests on (see the module docstring for the method)."""
    inputs = collect_inputs(results, fitted, register)
    met = {t.id: results.attainment(t.id) for t in results.scenario.targets}
    return swings(inputs, met)


def decided_by_assumption(entries: Sequence[RestsOn]) -> RestsOn | None:
    """The first (most influential) decisive input, when it is an assumption; else None."""
    top = next((e for e in entries if e.decisive), None)
    return top if top is not None and top.kind == "assumption" else None


def sentence(entries: Sequence[RestsOn]) -> str:
    """Plain words for the report: what the target rests on and the P range it gives.

    The two numbers are P with the input at its 10th and at its 90th percentile, in that order.

    >>> sentence([RestsOn("jobs_per_parcel", "the assumed jobs per parcel", "assumption", 0.61, 0.95, 0.02)])
    'rests on the assumed jobs per parcel (assumption): P from 0.61 to 0.95'
    """
    if not entries:
        return "no uncertain input"
    top = entries[0]
    if top.influence <= NOISE_SDS * np.sqrt(2.0) * top.stderr:
        return "no single input moves P beyond Monte-Carlo noise"
    return f"rests on {top.label} ({top.kind}): P from {top.probability_low:.2f} to {top.probability_high:.2f}"


CSV_FIELDS = ("target", "rank", "input", "label", "kind", "probability", "probability_low", "probability_high",
              "stderr", "influence", "decisive")


def csv_rows(table: Mapping[str, Sequence[RestsOn]], probabilities: Mapping[str, float]) -> list[dict[str, object]]:
    """Rows of ``rests_on.csv``: one per target and input, in order of influence."""
    rows: list[dict[str, object]] = []
    for tid, entries in table.items():
        for k, e in enumerate(entries, start=1):
            rows.append({"target": tid, "rank": k, "input": e.input, "label": e.label, "kind": e.kind,
                         "probability": probabilities.get(tid), "probability_low": e.probability_low,
                         "probability_high": e.probability_high, "stderr": e.stderr, "influence": e.influence,
                         "decisive": e.decisive})
    return rows
