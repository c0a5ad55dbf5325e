"""Golden reference of the production state-space fit, for tests/test_golden_fit.py.

The fit is the one ``calibrate`` makes (:func:`expressim.calibration.fit.fit_all`: the hierarchy
state space of :mod:`expressim.calibration.hierarchy`, maximum a posteriori, then the Kalman
smoother), run on FIXED inputs committed next to this script, so that later edits of the shipped
data or of the assumption register do not move the reference:

``golden_fit_data.csv``
    A small subset of the shipped observation rows: national parcels and revenue (full years
    2014-2024, with the 2024 scope break, and the 2024-Q1 windows), national year-end population,
    and every provincial parcels and revenue row with the provincial census population.  Copied
    verbatim from the files of commit :data:`SOURCE_COMMIT`.
``golden_fit_register.yaml``
    The assumption-register entries the fit reads (every one of them: a missing entry fails the
    fit), copied from ``calibration/data/assumptions.yaml`` of that commit.

``golden_fit.json`` holds what the test compares: the log-likelihood at the estimate, the
smoothed state means at the estimate (every year and state), and, for information, the
estimated parameters; with the SHA-256 of both input files.

Run::

    python tests/reference/make_golden_fit.py            # refit the committed inputs, write golden_fit.json
    python tests/reference/make_golden_fit.py --extract  # (re)copy the inputs from SOURCE_COMMIT first

Only rerun it (and commit the new JSON) for an intended change of the fit, and say in the commit
why the numbers moved.  A rename of a register key or a geography is not such a change: rename
it in the inputs here and the numbers must stay.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "golden_fit_data.csv"
REGISTER = HERE / "golden_fit_register.yaml"
OUT = HERE / "golden_fit.json"

#: the commit whose shipped data and register the inputs were copied from
SOURCE_COMMIT = "2e0807b654738cd345a69159100e1c9bf9fb2122"
SOURCE_FILES = ("observations.csv", "drivers.csv", "releases_2025.csv", "evidence_2025_2026.csv")
#: the register entries the fit reads (found by recording every key fit_all looked up), by their names now
REGISTER_KEYS = (
    "local_collected_intensity", "local_collected_intensity_drift", "local_delivered_relative",
    "local_delivered_relative_drift", "local_province_shock_passthrough", "local_intensity_correlation",
    "local_level_shock_sd", "local_revenue_per_parcel_relative",
    "local_revenue_per_parcel_shock_sd", "measurement_floor_local", "measurement_floor_national",
    "measurement_floor_provincial", "national_delivered_per_collected", "national_exit_growth_mismatch",
    "national_growth_longrun", "national_growth_persistence_logit", "national_level_shock_share_logit",
    "revenue_growth_shock_correlation_atanh", "revenue_per_parcel_drift_damping",
    "seasonal_month_sd_subnational_factor", "shock_sd_prior",
)
#: register keys renamed to the role they play since SOURCE_COMMIT: name now -> name at SOURCE_COMMIT
RENAMED = {
    "local_collected_intensity": "bijie_collected_intensity",
    "local_collected_intensity_drift": "bijie_collected_intensity_drift",
    "local_delivered_relative": "bijie_delivered_relative",
    "local_delivered_relative_drift": "bijie_delivered_relative_drift",
    "local_province_shock_passthrough": "bijie_guizhou_shock_passthrough",
    "local_intensity_correlation": "bijie_intensity_correlation",
    "local_level_shock_sd": "bijie_level_shock_sd",
    "local_revenue_per_parcel_relative": "bijie_revenue_per_parcel_relative",
    "local_revenue_per_parcel_shock_sd": "bijie_revenue_per_parcel_shock_sd",
}
#: the hierarchy the fit is of (what the region pack gives the CLI): the prefecture's population is the 2020
#: census figure the register held as ``bijie_population`` at SOURCE_COMMIT (the pack gives it now)
NATION, PROVINCE, PREFECTURE, PREFECTURE_POPULATION = "China", "Guizhou", "Bijie", 6899636.0


def _git_show(path: str) -> str:
    # ``<commit>:<path>`` names a path from the repository's root, whatever the working folder
    return subprocess.run(["git", "show", f"{SOURCE_COMMIT}:{path}"], cwd=HERE, capture_output=True, text=True,
                          check=True).stdout


def _keep(row: dict[str, str]) -> bool:
    """The subset: national and provincial rows the hierarchy reads (no monthly national releases)."""
    geo, ind, per = row["geography"], row["indicator"].split("(")[0], row["period"]
    if geo == "China" and ind in ("express_volume", "express_revenue"):
        return (per.isdigit() and 2014 <= int(per) <= 2024) or per == "2024-Q1"
    if geo == "China":
        return ind == "population_yearend"
    if geo == "Guizhou":
        return ind in ("express_volume", "express_revenue", "resident_population_census")
    return False


def extract() -> None:
    """Copy the fixed inputs from SOURCE_COMMIT (rows verbatim, in file order; register entries as data)."""
    import yaml

    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    for name in SOURCE_FILES:
        reader = csv.DictReader(io.StringIO(_git_show(f"calibration/data/{name}")))
        header = header or list(reader.fieldnames or [])
        assert list(reader.fieldnames or []) == header, name
        rows += [r for r in reader if _keep(r)]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header or [], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    DATA.write_text(buf.getvalue(), encoding="utf-8")
    register = yaml.safe_load(_git_show("calibration/data/assumptions.yaml"))
    subset = {k: register[RENAMED.get(k, k)] for k in REGISTER_KEYS}
    REGISTER.write_text(f"# the assumption-register entries the golden fit reads, copied from commit {SOURCE_COMMIT}\n"
                        f"# by tests/reference/make_golden_fit.py --extract (keys renamed by its RENAMED): do not edit "
                        f"(see that script)\n"
                        + yaml.safe_dump(subset, sort_keys=False, allow_unicode=True, width=100),
                        encoding="utf-8")
    print(f"{DATA.name}: {len(rows)} rows; {REGISTER.name}: {len(subset)} entries")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fit() -> Any:
    """The production fit of the fixed inputs (what the test refits)."""
    from expressim.calibration.assumptions import load_register
    from expressim.calibration.fit import fit_all
    from expressim.calibration.levels import Levels
    from expressim.calibration.observations import load

    levels = Levels(NATION, PROVINCE, PREFECTURE, PREFECTURE_POPULATION)
    return fit_all(load([DATA]), register=load_register(REGISTER), levels=levels)


def reference(fitted: Any) -> dict[str, Any]:
    from expressim.calibration.statespace import PARAMS, STATES

    h = fitted.hier
    return {
        "made_by": "tests/reference/make_golden_fit.py",
        "inputs_sha256": {DATA.name: sha256(DATA), REGISTER.name: sha256(REGISTER)},
        "first_year": h.first_year, "last_year": h.last_year, "observations_in_likelihood": h.n_observations,
        "loglike": float(h.loglike),
        "parameters": {n: float(v) for n, v in zip(PARAMS, h.params, strict=True)},
        "states": list(STATES),
        # smoothed state means at the estimate (parameter draw 0), one row a year from first_year
        "smoothed_states": [[float(v) for v in row] for row in h.state_mean[0]],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--extract", action="store_true", help=f"copy the inputs from commit {SOURCE_COMMIT[:10]} first")
    if ap.parse_args().extract:
        extract()
    ref = reference(fit())
    OUT.write_text(json.dumps(ref, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{OUT.name}: loglike {ref['loglike']!r}, {len(ref['smoothed_states'])} years x {len(ref['states'])} "
          f"states, {ref['observations_in_likelihood']} observations")


if __name__ == "__main__":
    main()
