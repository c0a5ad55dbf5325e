"""The model's fixed conventions, in one place: metric names, the base year, caps, the quantile
sets and the traffic-light cut-offs.

Every module that needs one of these imports it from here (``tests/test_conventions.py`` checks
that no second copy appears).
"""

from __future__ import annotations

from expressim.calibration.conventions import QUANTILES

__all__ = ["AT_RISK", "BASE_YEAR", "FRACTION_METRICS", "HEADLINE_METRICS", "MAX_DEMONSTRATIONS_PER_YEAR",
           "MAX_FIRMS", "MAX_SCENIC", "METRICS", "ON_TRACK", "QUANTILES", "READINGS", "ROLLOUT_METRICS", "SUMMARY_QUANTILES",
           "TARGET_METRICS"]

#: simulated metrics: name -> (canonical unit, description)
METRICS: dict[str, tuple[str, str]] = {
    "parcels_inout": ("件", "parcels in + out (快递进出口业务量)"),
    "parcels_out": ("件", "parcels collected (快递业务量, out)"),
    "parcels_in": ("件", "parcels delivered (in)"),
    "revenue": ("元", "express revenue (快递业务收入)"),
    "jobs": ("人", "jobs (就业岗位)"),
    "online_shopping": ("元", "online shopping supported (支撑网购消费)"),
    "jobs_with_station_keepers": ("人", "jobs incl. village station keepers (broad reading of 就业岗位)"),
    "online_shopping_inout": ("元", "online shopping supported by parcels in and out (both-ways reading)"),
    "specialty_sales": ("元", "specialty products sold out (特色产品外销)"),
    "firms_over_1e8": ("个", "firms with revenue >= 1亿元"),
    "firms_over_1e7": ("个", "firms with revenue >= 1000万元"),
    "village_coverage": ("fraction", "administrative villages with express service"),
    "green_slim_tape": ("fraction", "slim-tape sealing rate"),
    "green_no_reboxing": ("fraction", "e-commerce parcels without a second box"),
    "green_reusable_bags": ("fraction", "reusable transit-bag rate"),
    "demo_agriculture": ("个", "agriculture demonstration projects (cumulative)"),
    "demo_manufacturing": ("个", "manufacturing demonstration projects (cumulative)"),
    "liquor_tonnes": ("t", "liquor of the pack's liquor county shipped by express"),
    "scenic_coverage": ("fraction", "4A+ scenic spots with express service"),
}
#: metrics measured as a fraction of a whole: thresholds must lie in [0, 1]
FRACTION_METRICS = tuple(m for m, (unit, _) in METRICS.items() if unit == "fraction")
#: metrics of the rollout itself (qualified by ``projects``/``phase`` in a target)
ROLLOUT_METRICS = ("projects_open", "phase_started")
#: every metric a target may name
TARGET_METRICS = (*METRICS, *ROLLOUT_METRICS)
#: metrics given their own fan chart in a run's figures
HEADLINE_METRICS = ("parcels_inout", "revenue", "jobs", "specialty_sales", "online_shopping")

#: metrics whose target wording allows two readings: metric -> (reading, metric, why), the reading the
#: plan most likely means first (the metric itself); a run reports P under each (summary.json "readings")
READINGS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "jobs": (
        ("express firms", "jobs",
         "解决就业岗位 stands among the industry's own indicators (业务量, 业务收入), which the postal bureau "
         "counts as express employment (快递从业人员)"),
        ("with village station keepers", "jobs_with_station_keepers",
         "also counts the keepers of village stations as jobs the express network brings (带动就业)"),
    ),
    "online_shopping": (
        ("inbound", "online_shopping",
         "网购消费 is local consumption, and the plan speaks of stirring rural online buying (激发农村网购消费活力)"),
        ("in and out", "online_shopping_inout",
         "also counts local online sales carried out, as the national 快递支撑网上零售额 counts every parcel"),
    ),
}

#: the year the spillover coefficients refer to: trends are ``(1 - rate)^(year - BASE_YEAR)``
BASE_YEAR = 2023
#: most firms the Zipf revenue split considers (the ``firm_count`` parameter is clipped to 1..this)
MAX_FIRMS = 200
#: most 4A+ scenic spots the coverage process draws for (``scenic_spots_4a`` is clipped to 1..this)
MAX_SCENIC = 20
#: demonstration projects per year the engine draws for (one uniform each)
MAX_DEMONSTRATIONS_PER_YEAR = 8

#: quantiles of a target's value reported with its probability (p10, median, p90)
SUMMARY_QUANTILES = (0.1, 0.5, 0.9)

#: traffic light of a target's probability: on track at or above ON_TRACK, at risk from AT_RISK
ON_TRACK = 0.8
AT_RISK = 0.5
