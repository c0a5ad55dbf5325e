"""Uncertain inputs of a run: the assumption register as distributions, scenario overrides,
and one stream of random numbers per named input (common random numbers).

Each named input draws its uniforms from its own stream,
``SeedSequence(seed, spawn_key=(crc32(name),))``, so the same seed gives the same
draws for that input in every scenario, whatever else the scenarios contain: a
comparison of two timelines shows the policy difference, not noise.  Inputs renamed to the
role they play keep the stream of their former name (:data:`STREAM_KEYS`).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from pydantic import ValidationError

from expressim.calibration.assumptions import DISTRIBUTION, load_register
from expressim.calibration.distributions import open_uniform
from expressim.model.spec.conventions import MAX_DEMONSTRATIONS_PER_YEAR, MAX_SCENIC
from expressim.model.spec.scenario import Scenario, ScenarioError

if TYPE_CHECKING:
    from expressim.calibration.distributions import Distribution
    from expressim.calibration.seam import Calibration

#: parameter name -> its distribution (:func:`resolve`)
Dists = dict[str, "Distribution"]

#: register entries the simulation draws (the rest are calibration priors)
SIMULATION_PARAMETERS: tuple[str, ...] = (
    "urban_collected_intensity", "urban_delivered_intensity", "county_share_noise",
    "centre_delivered_uplift", "centre_collected_uplift", "centre_ramp_months", "hub_collected_uplift",
    "hub_ramp_months", "station_delivered_uplift", "village_coverage_start", "capacity_headroom",
    "centre_capacity_factor", "jobs_per_10k_parcels_2023",
    "jobs_productivity_growth", "station_keepers_per_10k_parcels", "online_value_per_parcel", "online_value_per_parcel_decline", "specialty_share_outbound",
    "specialty_value_per_parcel", "firm_count", "firm_size_exponent", "green_gap_closure", "slim_tape_2023",
    "no_reboxing_2023", "reusable_bags_2023", "demo_success_probability", "specialty_liquor_tonnes_2023",
    "specialty_liquor_growth", "scenic_spots_4a", "scenic_coverage_start", "scenic_yearly_hazard",
)
#: per-replication summaries of the calibrated baseline paths kept in ``Draws.params`` (the paths
#: themselves come from the block of standard normals ``Draws.u_events["baseline"]``)
BASELINE_FACTORS: tuple[str, ...] = (
    "national_volume_u", "province_share_u", "local_collected_intensity", "local_delivered_relative",
    "revenue_per_parcel",
)
#: the stream key (``spawn_key``) of each input renamed to its role: the crc32 of the name it had when
#: it was named after the first region's counties, so a seed draws what it drew before the renaming
STREAM_KEYS: dict[str, int] = {
    "urban_collected_intensity": 3069856364, "urban_delivered_intensity": 2569058531,
    "specialty_liquor_tonnes_2023": 3792931741, "specialty_liquor_growth": 3517286281,
}



def stream(seed: int, name: str) -> np.random.Generator:
    """The random stream of one named input: independent of every other name, fixed by the seed."""
    key = STREAM_KEYS.get(name, zlib.crc32(name.encode("utf-8")))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def resolve(scenario: Scenario, register: Mapping[str, Mapping[str, object]] | None = None) -> Dists:
    """The simulation's parameter distributions: the register, overridden by ``scenario.parameters``.

    Raises
    ------
    ScenarioError
        For an override naming no simulation parameter, or a malformed register entry.
    """
    reg = register if register is not None else load_register()
    unknown = [k for k in scenario.parameters if k not in SIMULATION_PARAMETERS]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], SIMULATION_PARAMETERS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ScenarioError(f"parameters.{unknown[0]}: not a simulation parameter{hint}")
    out: Dists = {}
    for key in SIMULATION_PARAMETERS:
        if key in scenario.parameters:
            out[key] = scenario.parameters[key]
            continue
        try:
            out[key] = DISTRIBUTION.validate_python(reg[key])
        except KeyError:
            raise ScenarioError(f"assumptions.yaml: entry '{key}' is missing") from None
        except ValidationError as exc:
            raise ScenarioError(f"assumptions.yaml: {key}: {exc.errors()[0]['msg']}") from None
    return out


@dataclass(frozen=True)
class Draws:
    """All random inputs of ``n`` replications, already mapped to parameter values.

    Attributes
    ----------
    params : dict
        Parameter name -> values, shape (n,), in the parameter's unit.
    u_rollout : ndarray
        Phase-duration uniforms, shape (n, n_projects, max_phases).
    z_county : ndarray
        County intensity noise (standard normal), shape (n, n_counties, 2) for (out, in).
    u_events : dict
        Uniforms for discrete events (demonstrations, scenic spots), each (n, ...).
    rollout_override : ndarray or None
        Phase durations [months] imposed by progress facts, like ``u_rollout``, NaN where none
        (:mod:`model.engine.conditioning`).
    """

    n: int
    params: dict[str, np.ndarray]
    u_rollout: np.ndarray
    z_county: np.ndarray
    u_events: dict[str, np.ndarray] = field(default_factory=dict)
    rollout_override: np.ndarray | None = None

    def slice(self, a: int, b: int) -> Draws:
        """Replications ``a`` to ``b - 1``."""
        over = None if self.rollout_override is None else self.rollout_override[a:b]
        return Draws(b - a, {k: v[a:b] for k, v in self.params.items()}, self.u_rollout[a:b], self.z_county[a:b],
                     {k: v[a:b] for k, v in self.u_events.items()}, over)



def baseline_years(scenario: Scenario) -> list[int]:
    """Years of the calibrated baseline paths: the year before the start, then every simulated year."""
    return [scenario.years[0] - 1, *scenario.years]


def make_draws(scenario: Scenario, dists: Mapping[str, Distribution], fitted: Calibration, n: int, seed: int,
               n_counties: int) -> Draws:
    """Draw every random input of ``n`` replications on named streams (common random numbers).

    Parameters
    ----------
    scenario : Scenario
        Gives the projects (their ids and phase names name the rollout streams).
    dists : dict
        Parameter distributions from :func:`resolve`.
    fitted : calibration.fit.Fitted
        Calibration: the width of the baseline block (``baseline_groups``) and the
        per-replication summaries of its paths (``baseline_summaries``).
    n, seed : int
        Replications and root seed.
    n_counties : int
        Counties in the region pack.
    """
    params = {k: np.asarray(d.ppf(open_uniform(stream(seed, k), n))) for k, d in dists.items()}
    max_ph = max((len(p.phases) for p in scenario.projects), default=1)
    u_roll = np.full((n, len(scenario.projects), max_ph), 0.5)
    for i, p in enumerate(scenario.projects):
        for j, ph in enumerate(p.phases):
            u_roll[:, i, j] = open_uniform(stream(seed, f"rollout:{p.id}:{ph.name}"), n)
    z = stream(seed, "county_noise").standard_normal((n, n_counties, 2))
    years = len(scenario.years)
    events = {
        "demo_agriculture": stream(seed, "demo_agriculture").random((n, years, MAX_DEMONSTRATIONS_PER_YEAR)),
        "demo_manufacturing": stream(seed, "demo_manufacturing").random((n, years, MAX_DEMONSTRATIONS_PER_YEAR)),
        "scenic": stream(seed, "scenic").random((n, MAX_SCENIC, years + 1)),
    }
    # calibrated baseline: one coherent path per replication from a block of standard normals
    by = baseline_years(scenario)
    zb = stream(seed, "baseline_paths").standard_normal((n, len(fitted.baseline_groups(by))))
    events["baseline"] = zb
    params.update(fitted.baseline_summaries(by, zb))
    return Draws(n, params, u_roll, z, events)
