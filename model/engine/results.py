"""Results of a run: labelled arrays, target attainment, quantiles.

Arrays keep the replication axis first.  The engine writes no file: the store writes a run's
files and reads them back (:mod:`expressim.model.store.run_files`: ``arrays.npz`` holds every
array, so a run can be reloaded and re-plotted without rerunning).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from expressim.calibration.periods import month_label
from expressim.model.engine.targets import (
    Observed,
    TargetSummary,
    attained,
    first_met_year,
    readings,
    summarise,
)
from expressim.model.spec.conventions import METRICS, QUANTILES
from expressim.model.spec.scenario import Scenario, Target

if TYPE_CHECKING:
    from expressim.model.engine.conditioning import Conditioned
    from expressim.model.spec.progress import Progress

#: metric -> (unit, description) for tables and figures


@dataclass
class Results:
    """A finished run.

    Attributes
    ----------
    metrics : dict
        Annual metric arrays, each (n, Y).
    monthly, baseline_monthly : ndarray
        City parcels handled and the no-policy baseline, (n, T, 2) [件/month], (out, in).
    county_annual : ndarray
        Parcels handled by county, (n, C, Y, 2) [件/year].
    opening, phase_start, phase_end : ndarray
        Rollout in months since the start, (n, P) and (n, P, K).
    target_values : dict
        Target id -> its metric in every year, (n, Y).
    params : dict
        Input values per replication (n,), for sensitivity and scenario discovery.
    conditioning : model.engine.conditioning.Conditioned or None
        How the rollout was conditioned on progress facts (None: no facts).
    progress : model.spec.progress.Progress or None
        The progress rows the run used (cut at ``--until``).
    observed : dict
        Target id -> :class:`model.engine.targets.Observed` (targets decided by a known value).
    """

    scenario: Scenario
    seed: int
    metrics: dict[str, np.ndarray]
    monthly: np.ndarray
    baseline_monthly: np.ndarray
    county_annual: np.ndarray
    opening: np.ndarray
    phase_start: np.ndarray
    phase_end: np.ndarray
    project_ids: tuple[str, ...]
    phase_names: tuple[tuple[str, ...], ...]
    county_ids: tuple[str, ...]
    target_values: dict[str, np.ndarray]
    params: dict[str, np.ndarray] = field(default_factory=dict)
    conditioning: Conditioned | None = None
    progress: Progress | None = None
    observed: dict[str, Observed] = field(default_factory=dict)

    @property
    def replications(self) -> int:
        return int(self.monthly.shape[0])

    @property
    def years(self) -> list[int]:
        return self.scenario.years

    @property
    def month_labels(self) -> list[str]:
        s = self.scenario.start_month
        return [month_label(s + i) for i in range(self.monthly.shape[1])]

    def target(self, target_id: str) -> Target:
        for t in self.scenario.targets:
            if t.id == target_id:
                return t
        raise KeyError(f"no target '{target_id}' (have {', '.join(t.id for t in self.scenario.targets)})")

    def attainment(self, target_id: str, year: int | None = None) -> np.ndarray:
        """Per-replication attainment (n,) of a target in its year (or ``year``)."""
        t = self.target(target_id)
        j = self.years.index(year if year is not None else t.year)
        return attained(t, self.target_values[target_id][:, j])

    def first_met(self, target_id: str) -> np.ndarray:
        """First year each replication meets the target (NaN if never)."""
        t = self.target(target_id)
        return first_met_year(attained(t, self.target_values[target_id]), self.years)

    def summary(self) -> list[TargetSummary]:
        """Every target's probability, standard error, quantiles and time to target."""
        out = []
        for t in self.scenario.targets:
            j = self.years.index(t.year)
            vals = self.target_values[t.id]
            s = summarise(t, vals[:, j], attained(t, vals[:, j]), self.first_met(t.id), self.years)
            if t.id in self.observed:  # decided by a known value (model.analysis.observed): P is 0 or 1, stderr 0
                ob = self.observed[t.id]
                s = replace(s, observed=ob.value, observed_source=ob.source, probability_stderr=0.0)
            elif t.metric in self.metrics and np.array_equal(vals[:, j], self.metrics[t.metric][:, j]):
                # the P of the wording's other readings (conventions.READINGS), the likely reading first
                s = replace(s, readings=readings(t, self.metrics, self.years))
            out.append(s)
        return out

    def quantiles(self, metric: str, qs: tuple[float, ...] = QUANTILES) -> np.ndarray:
        """Quantiles of an annual metric across replications, shape (len(qs), Y)."""
        return np.quantile(self.metrics[metric], qs, axis=0)

    def county_metric(self, metric: str) -> np.ndarray:
        """An annual indicator by county, shape (n, C, Y), the counties adding up to the city's value.

        Parcels (``parcels_out``, ``parcels_in``, ``parcels_inout``) are the counties' handled parcels.
        Revenue is collected parcels times the city's revenue per collected parcel, and jobs are parcels
        handled (in + out) times the city's jobs per parcel, of the same replication and year -- as the
        engine computes the city's values (:mod:`expressim.model.engine.spillovers`).

        Raises
        ------
        KeyError
            A metric without county values.
        """
        ca = np.asarray(self.county_annual, dtype=float)  # (n, C, Y, 2): out, in
        parcels = {"parcels_out": ca[..., 0], "parcels_in": ca[..., 1], "parcels_inout": ca.sum(axis=-1)}
        if metric in parcels:
            return parcels[metric]
        base = {"revenue": "parcels_out", "jobs": "parcels_inout"}.get(metric)
        if base is None or metric not in self.metrics:
            raise KeyError(f"no county values of '{metric}' (have parcels_out, parcels_in, parcels_inout, "
                           f"revenue, jobs)")
        city = np.asarray(self.metrics[base], dtype=float)
        per = np.divide(self.metrics[metric], city, out=np.zeros_like(city), where=city > 0)  # (n, Y)
        return parcels[base] * per[:, None, :]

    def annual_rows(self) -> list[dict[str, str | int | float]]:
        """Rows of ``annual.csv``: metric, year, unit, mean and quantiles."""
        series = [(name, METRICS.get(name, ("", ""))[0], arr) for name, arr in self.metrics.items()]
        series += [(f"parcels_{direction}:{cid}", "件", self.county_annual[:, c, :, d])
                   for c, cid in enumerate(self.county_ids) for d, direction in enumerate(("out", "in"))]
        rows: list[dict[str, str | int | float]] = []
        for name, unit, arr in series:
            qv = np.quantile(arr, QUANTILES, axis=0)
            for j, y in enumerate(self.years):
                row: dict[str, str | int | float] = {"metric": name, "year": y, "unit": unit, "mean": float(arr[:, j].mean())}
                row.update({f"p{int(round(q * 100)):02d}": float(qv[i, j]) for i, q in enumerate(QUANTILES)})
                rows.append(row)
        return rows
