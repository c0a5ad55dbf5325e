"""The vectorised engine: one chunk of replications from draws to annual indicators.

``simulate_chunk`` is a pure function of (compiled scenario, calibration, draws):
rollout (numpy twin of the SimPy model) -> demand by county and month ->
spillovers -> annual metrics.  ``model.engine.oracle.reference`` holds the one-replication-at-a-
time twin used as an oracle in tests and as the benchmark baseline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from expressim.calibration.seam import Calibration
from expressim.model.engine import spillovers as sp
from expressim.model.engine.demand import DemandInputs, simulate_demand
from expressim.model.engine.parameters import Draws
from expressim.model.engine.rollout import PhaseSpec, ProjectSpec, ResourceSpec, RolloutResult
from expressim.model.engine.rollout_numpy import simulate_rollout_vectorised
from expressim.model.spec.regions import RegionPack
from expressim.model.spec.scenario import Scenario

FIRM_THRESHOLDS = {"firms_over_1e8": 1e8, "firms_over_1e7": 1e7}


@dataclass(frozen=True)
class Compiled:
    """A scenario turned into engine inputs (rollout specs, county indices, years)."""

    scenario: Scenario
    projects: tuple[ProjectSpec, ...]
    resources: tuple[ResourceSpec, ...]
    project_county: np.ndarray
    kinds: tuple[str, ...]
    years: tuple[int, ...]
    n_months: int
    pop_shares: np.ndarray
    urban_index: int | None
    specialty_liquor_index: int | None
    county_ids: tuple[str, ...]


def compile_scenario(scn: Scenario, pack: RegionPack, projects: tuple[ProjectSpec, ...] | None = None) -> Compiled:
    """Turn a validated scenario into engine inputs.

    Parameters
    ----------
    projects : tuple of ProjectSpec, optional
        Replace the scenario's projects (e.g. shifted ones in a latest-opening search).

    Raises
    ------
    ValueError
        If a project's region is not in the pack (message names the project).
    """
    from expressim.model.spec.scenario import ScenarioError

    specs = projects if projects is not None else tuple(
        ProjectSpec(
            id=p.id, kind=p.kind, region=p.region,
            phases=tuple(PhaseSpec(ph.name, ph.duration, scn.month_offset(ph.not_before), ph.resource)
                         for ph in p.phases),
            planned_open=scn.month_offset(p.planned_open),
        ) for p in scn.projects)
    county = []
    for p in specs:
        if p.region in ("all", pack.prefecture):
            county.append(-1)
            continue
        try:
            county.append(pack.index(p.region))
        except ValueError as exc:
            raise ScenarioError(f"projects.{p.id}.region: {exc}") from None
    if "liquor" not in pack.specialty_lines:
        for i, t in enumerate(scn.targets):
            if t.metric == "liquor_tonnes":
                raise ScenarioError(f"targets.{i}: target '{t.id}' counts liquor shipments, which need the region "
                                    f"pack's specialty_lines.liquor (the county of the liquor line); the {pack.name} "
                                    f"pack names none")
    return Compiled(
        scenario=scn, projects=specs,
        resources=tuple(ResourceSpec(r.name, r.capacity) for r in scn.resources),
        project_county=np.array(county, dtype=int), kinds=tuple(p.kind for p in specs),
        years=tuple(scn.years), n_months=scn.n_months, pop_shares=pack.population_shares,
        urban_index=pack.index(pack.urban_county) if pack.urban_county else None,
        specialty_liquor_index=pack.index(pack.specialty_lines["liquor"]) if "liquor" in pack.specialty_lines else None,
        county_ids=tuple(pack.ids),
    )


def baseline_annual(fitted: Calibration, comp: Compiled, draws: Draws) -> np.ndarray:
    """City baseline [件/year], shape (n, Y + 1, 2) for the year before the start and each year.

    One calibrated path per replication from its block of standard normals ``u_events["baseline"]``.
    """
    years = [comp.years[0] - 1, *comp.years]
    col, dlv = fitted.local_paths(years, draws.u_events["baseline"])
    return np.stack([col, dlv], axis=-1)


def anchor_index(fitted: Calibration, comp: Compiled) -> int | None:
    """Index among the simulated years of the calibration's last locally observed year, or None
    (no local figure, or only before the start): see :func:`model.engine.demand.anchor_scale`."""
    a = fitted.local_anchor_year
    return None if a is None or a < comp.years[0] else int(a) - int(comp.years[0])


def rollout_for(comp: Compiled, draws: Draws) -> RolloutResult:
    """Opening months of every project for the chunk (vectorised rollout)."""
    if not comp.projects:
        n = draws.n
        return RolloutResult((), (), np.zeros((n, 0, 1)), np.zeros((n, 0, 1)), np.zeros((n, 0)))
    return simulate_rollout_vectorised(comp.projects, comp.resources, draws.u_rollout, draws.rollout_override)


def annual_sum(monthly: np.ndarray) -> np.ndarray:
    """Sum the last axis (months) into years: (..., 12 Y) -> (..., Y)."""
    return monthly.reshape(*monthly.shape[:-1], monthly.shape[-1] // 12, 12).sum(axis=-1)


def metrics_from(comp: Compiled, draws: Draws, rollout: RolloutResult, dem: dict[str, np.ndarray],
                 revenue_per_parcel: np.ndarray) -> dict[str, np.ndarray]:
    """Annual metrics (n, Y) from the demand output, the draws and the calibrated revenue per parcel [元/件] (n, Y)."""
    p = draws.params
    years = comp.years
    handled = dem["handled"]
    out_m = handled[..., 0].sum(axis=1)  # (n, T)
    in_m = handled[..., 1].sum(axis=1)
    out_a, in_a = annual_sum(out_m), annual_sum(in_m)
    inout = out_a + in_a
    rev = sp.revenue(out_a, revenue_per_parcel)
    m: dict[str, np.ndarray] = {
        "parcels_out": out_a, "parcels_in": in_a, "parcels_inout": inout, "revenue": rev,
        "jobs": sp.jobs(inout, p, years), "online_shopping": sp.online_shopping(in_a, p, years),
        "jobs_with_station_keepers": sp.jobs_with_station_keepers(inout, p, years),
        "online_shopping_inout": sp.online_shopping_inout(inout, p, years),
        "specialty_sales": sp.specialty_sales(out_a, p),
        "village_coverage": dem["coverage"][:, 11::12],
        "green_slim_tape": sp.green_rate(p["slim_tape_2023"], p["green_gap_closure"], years),
        "green_no_reboxing": sp.green_rate(p["no_reboxing_2023"], p["green_gap_closure"], years),
        "green_reusable_bags": sp.green_rate(p["reusable_bags_2023"], p["green_gap_closure"], years),
        "demo_agriculture": sp.demonstrations(comp.scenario.demonstrations.agriculture, p["demo_success_probability"],
                                              draws.u_events["demo_agriculture"], years),
        "demo_manufacturing": sp.demonstrations(comp.scenario.demonstrations.manufacturing,
                                                p["demo_success_probability"],
                                                draws.u_events["demo_manufacturing"], years),
        "scenic_coverage": sp.scenic_coverage(p, draws.u_events["scenic"], years),
    }
    for name, thr in FIRM_THRESHOLDS.items():
        m[name] = sp.firms_over(rev, p, thr)
    if comp.specialty_liquor_index is not None:  # a pack without a liquor line has no liquor metric
        liquor = dem["multiplier"][:, comp.specialty_liquor_index, :, 0]
        m["liquor_tonnes"] = sp.liquor_tonnes(p, annual_sum(liquor) / 12.0, years)
    return m


class ChunkOutput(TypedDict):
    """What the engine returns for a chunk of replications (arrays with the replication axis first)."""

    metrics: dict[str, np.ndarray]
    monthly: np.ndarray
    baseline_monthly: np.ndarray
    county_annual: np.ndarray
    opening: np.ndarray
    phase_start: np.ndarray
    phase_end: np.ndarray


def simulate_chunk(comp: Compiled, fitted: Calibration, draws: Draws) -> ChunkOutput:
    """Simulate one chunk of replications.

    Returns
    -------
    dict
        ``metrics`` {name: (n, Y)}, ``monthly`` (n, T, 2) city parcels handled,
        ``baseline_monthly`` (n, T, 2), ``county_annual`` (n, C, Y, 2), ``opening``
        (n, P), ``phase_start`` / ``phase_end`` (n, P, K) in months since the start.
    """
    rollout = rollout_for(comp, draws)
    inp = DemandInputs(baseline_annual(fitted, comp, draws), fitted.profile.weights, comp.pop_shares,
                       comp.urban_index, comp.project_county, comp.kinds, anchor_index(fitted, comp))
    dem = simulate_demand(inp, rollout, draws.params, draws.z_county, comp.n_months)
    rpp = fitted.local_revenue_per_parcel(list(comp.years), draws.u_events["baseline"])
    metrics = metrics_from(comp, draws, rollout, dem, rpp)
    return {
        "metrics": metrics,
        "monthly": dem["handled"].sum(axis=1),
        "baseline_monthly": dem["baseline_city"],
        "county_annual": annual_sum(dem["handled"].transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2),
        "opening": rollout.opening, "phase_start": rollout.phase_start, "phase_end": rollout.phase_end,
    }


def flatten_outputs(raw: Mapping[str, object], prefix: str = "") -> dict[str, np.ndarray]:
    """The engine's output (``metrics`` nested) as ``name -> array``, e.g. ``metrics.revenue``.

    Used to compare two engines' outputs array by array (tests, benchmarks/engine.py).
    """
    out: dict[str, np.ndarray] = {}
    for k, v in raw.items():
        if isinstance(v, Mapping):
            out.update(flatten_outputs(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = np.asarray(v)
    return out

