"""Scenario files: YAML -> a frozen, validated :class:`Scenario` (pydantic v2).

A scenario holds the policy (the infrastructure timeline), the simulation window,
the target register and optional overrides of the assumption register.  Every
uncertain input not overridden comes from ``calibration/data/assumptions.yaml``.

Errors name the file, the place and what was expected, in one line
(``plan.yaml: projects.0.phases.0.duraton: unknown key (did you mean 'duration'?)``).
The reader (:mod:`model.spec.safe_yaml`) is defensive: a size cap, no NUL bytes, UTF-8 (or
UTF-16 with a BOM), ``yaml.SafeLoader`` only (tags that would construct objects are
refused), duplicate keys refused, and a cap on nesting and on the number of values
after alias expansion.  Pydantic's errors become one line in
:mod:`model.spec.validation_messages`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from expressim.calibration.distributions import Distribution
from expressim.model.spec import safe_yaml
from expressim.model.spec.conventions import (
    FRACTION_METRICS,
    MAX_DEMONSTRATIONS_PER_YEAR,
    MAX_FIRMS,
    MAX_SCENIC,
    ROLLOUT_METRICS,
    TARGET_METRICS,
)
from expressim.model.spec.validation_messages import FieldProblem as _Problem
from expressim.model.spec.validation_messages import did_you_mean as _did_you_mean
from expressim.model.spec.validation_messages import first_error, show

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

#: allowed range of every simulation parameter an override may set: (low, high, low is exclusive)
PARAMETER_RANGES: dict[str, tuple[float, float, bool]] = {
    # probabilities, shares, coverage and packaging rates, yearly declines: fractions of a whole
    **{k: (0.0, 1.0, False) for k in (
        "village_coverage_start", "online_value_per_parcel_decline", "specialty_share_outbound", "green_gap_closure",
        "slim_tape_2023", "no_reboxing_2023", "reusable_bags_2023", "demo_success_probability",
        "scenic_coverage_start", "scenic_yearly_hazard", "jobs_productivity_growth",
    )},
    # positive ratios and ramp lengths (a ramp of 0 months would divide by zero)
    **{k: (0.0, math.inf, True) for k in (
        "urban_collected_intensity", "urban_delivered_intensity", "capacity_headroom",
        "centre_capacity_factor", "centre_ramp_months", "hub_ramp_months",
    )},
    # non-negative uplifts, levels and values
    **{k: (0.0, math.inf, False) for k in (
        "county_share_noise", "centre_delivered_uplift", "centre_collected_uplift", "hub_collected_uplift",
        "station_delivered_uplift", "jobs_per_10k_parcels_2023", "station_keepers_per_10k_parcels",
        "online_value_per_parcel", "specialty_value_per_parcel", "firm_size_exponent", "specialty_liquor_tonnes_2023",
    )},
    "specialty_liquor_growth": (-1.0, math.inf, False),
    "firm_count": (1.0, float(MAX_FIRMS), False),  # engine.spillovers.firms_over clips to 1..MAX_FIRMS firms
    "scenic_spots_4a": (1.0, float(MAX_SCENIC), False),
}



#: longest credible phase [months]: the 99.9% quantile of a duration must stay under it
MAX_PHASE_MONTHS = 1200


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line naming file and field."""


def parse_month(text: str) -> int:
    """``'2023-04'`` -> month index ``2023 * 12 + 3``.

    Raises
    ------
    ValueError
        If the text is not ``YYYY-MM`` with a month 01..12 and a year 1949..2100.
    """
    m = _MONTH.match(str(text).strip())
    if not m or not 1 <= int(m[2]) <= 12 or not 1949 <= int(m[1]) <= 2100:
        raise ValueError(f"expected a month YYYY-MM, got '{text}'")
    return int(m[1]) * 12 + int(m[2]) - 1


def _no_bool(v: Any) -> Any:
    """Refuse YAML booleans where a whole number belongs (``yes`` would otherwise become 1)."""
    if isinstance(v, bool):
        raise ValueError(f"expected a whole number, got the boolean {v}")
    return v


def _number_as_fixed(v: Any) -> Any:
    """A bare number where a distribution belongs means a ``fixed`` one."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return {"dist": "fixed", "value": v}
    return v


def _number(v: Any) -> Any:
    """Refuse YAML booleans where a number belongs (``true`` would otherwise become 1.0)."""
    if isinstance(v, bool):
        raise ValueError(f"expected a number, got the boolean {v}")
    return v


def _printable(v: str, allowed: str = "") -> str:
    """Refuse control characters (NUL, ESC, newline ...) in text that reaches terminals, reports and figures."""
    bad = next((c for c in v if unicodedata.category(c) == "Cc" and c not in allowed), None)
    if bad is not None:
        raise ValueError(f"contains the control character U+{ord(bad):04X}; expected printable text")
    return v


Month = str
Int = Annotated[int, BeforeValidator(_no_bool)]
Real = Annotated[float, BeforeValidator(_number)]
Text = Annotated[str, AfterValidator(_printable)]
#: text that may span lines (descriptions)
Prose = Annotated[str, AfterValidator(lambda v: _printable(v, "\t\n"))]
Dist = Annotated[Distribution, BeforeValidator(_number_as_fixed)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Phase(_Model):
    """One phase of a project (feasibility, approval, construction, commissioning ...).

    ``duration`` is a distribution in months (a bare number is a fixed duration).
    """

    name: Text = Field(min_length=1)
    duration: Dist
    not_before: Month | None = None
    resource: str | None = None

    @field_validator("not_before")
    @classmethod
    def _month(cls, v: str | None) -> str | None:
        if v is not None:
            parse_month(v)
        return v

    @field_validator("duration")
    @classmethod
    def _nonnegative(cls, v: Any) -> Any:
        lo, hi = v.bounds()
        if lo < 0:
            raise ValueError(f"durations are months and cannot be negative (lower bound {lo:g} < 0)")
        if not hi <= MAX_PHASE_MONTHS:
            raise ValueError(f"a phase of up to {hi:.3g} months (99.9% quantile); expected durations under "
                             f"{MAX_PHASE_MONTHS} months (a century)")
        return v


class Project(_Model):
    """An infrastructure project: the hub, a county centre, or the village-station programme."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    kind: Literal["hub", "county_centre", "stations"]
    region: str
    label: Text = ""
    planned_open: Month | None = None
    phases: tuple[Phase, ...] = Field(min_length=1)

    @field_validator("planned_open")
    @classmethod
    def _month(cls, v: str | None) -> str | None:
        if v is not None:
            parse_month(v)
        return v


class Resource(_Model):
    """A shared resource (e.g. how many projects the city can push through approvals at once)."""

    name: str
    capacity: Int = Field(ge=1, le=1000)


class Target(_Model):
    """One entry of the target register.

    ``metric`` names a simulated annual indicator (see scenarios/README.md);
    ``projects``/``phase`` qualify the rollout metrics.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    label: Text
    metric: Literal[TARGET_METRICS]  # type: ignore[valid-type]
    year: Int = Field(ge=2000, le=2100)
    threshold: Real
    unit: Text = ""
    comparison: Literal[">=", "<="] = ">="
    projects: tuple[str, ...] = ()
    phase: str | None = None
    headline: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if self.metric in FRACTION_METRICS and not 0.0 <= self.threshold <= 1.0:
            raise _Problem("threshold", f"{self.metric} is a fraction: expected a threshold in [0, 1], "
                                        f"got {self.threshold:g}")
        if self.metric not in FRACTION_METRICS and self.threshold < 0:
            raise _Problem("threshold", f"expected a non-negative threshold for {self.metric}, got {self.threshold:g}")
        if self.metric in ROLLOUT_METRICS:
            if not self.projects:
                raise _Problem("projects", f"a {self.metric} target needs the list of projects it counts")
            if self.threshold > len(self.projects):
                raise _Problem("threshold", f"expected at most {len(self.projects)} (the projects listed), "
                                            f"got {self.threshold:g}")
        elif self.projects:
            raise _Problem("projects", f"only projects_open and phase_started targets count projects, "
                                       f"not {self.metric}")
        if self.metric == "phase_started" and not self.phase:
            raise _Problem("phase", "a phase_started target needs the phase name (e.g. construction)")
        if self.metric != "phase_started" and self.phase is not None:
            raise _Problem("phase", f"only phase_started targets take a phase, not {self.metric}")
        return self


class Tracked(_Model):
    """A plan task tracked from the analyst's progress file rather than simulated."""

    id: str
    label: Text
    year: Int | None = None


class Demonstrations(_Model):
    """Demonstration projects the plan schedules per year."""

    agriculture: dict[Int, Int] = Field(default_factory=dict)
    manufacturing: dict[Int, Int] = Field(default_factory=dict)

    @field_validator("agriculture", "manufacturing")
    @classmethod
    def _counts(cls, v: dict[int, int]) -> dict[int, int]:
        for year, n in v.items():
            if not 2000 <= year <= 2100 or not 0 <= n <= MAX_DEMONSTRATIONS_PER_YEAR:
                raise ValueError(f"expected year: count with a count 0..{MAX_DEMONSTRATIONS_PER_YEAR}, "
                                 f"got {year}: {n}")
        return v


class Calibration(_Model):
    """Which data the baseline is calibrated on."""

    data: tuple[str, ...] = ()
    until: str | None = None


def _check_parameter(name: str, dist: Any) -> None:
    """Raise :class:`_Problem` when an override's support leaves the parameter's range."""
    rng = PARAMETER_RANGES.get(name)
    if rng is None:
        return  # unknown names are reported (with a suggestion) by model.engine.parameters.resolve
    lo, hi, open_lo = rng
    s_lo, s_hi = dist.support()
    below = s_lo <= lo if open_lo else s_lo < lo
    if below or s_hi > hi:
        if (lo, hi) == (0.0, 1.0):
            want = "a probability or fraction: expected values in [0, 1]"
        elif hi == math.inf:
            want = f"expected values {'>' if open_lo else '>='} {lo:g}"
        else:
            want = f"expected values in [{lo:g}, {hi:g}]"
        got = f"{s_lo:g}" if s_lo == s_hi else f"a {dist.dist} distribution over [{s_lo:g}, {s_hi:g}]"
        raise _Problem(f"parameters.{name}", f"{want}, got {got}")


def _default_pack() -> str:
    from expressim.model.spec.regions import default_pack

    return default_pack()


class Scenario(_Model):
    """A validated scenario (frozen)."""

    name: Text = Field(min_length=1, max_length=200)
    description: Prose = ""
    #: the description in Chinese (a report in Chinese shows it; without it, ``description``)
    description_zh: Prose = ""
    start: Month
    horizon: Month
    replications: Int = Field(default=2000, ge=1, le=10_000_000)
    seed: Int = Field(default=20230423, ge=0, le=2**63 - 1)
    region_pack: str = Field(default_factory=_default_pack)  # the shipped pack marked default: true
    calibration: Calibration = Calibration()
    resources: tuple[Resource, ...] = ()
    projects: tuple[Project, ...] = ()
    demonstrations: Demonstrations = Demonstrations()
    parameters: dict[str, Dist] = Field(default_factory=dict)
    targets: tuple[Target, ...]  # required; an empty list is a forecast-only scenario (annual paths, no answer)
    tracked: tuple[Tracked, ...] = ()
    progress: str | None = None  # progress file (model.spec.progress), relative to the scenario file

    @field_validator("start", "horizon")
    @classmethod
    def _month(cls, v: str) -> str:
        parse_month(v)
        return v

    @field_validator("region_pack")
    @classmethod
    def _region_pack(cls, v: str) -> str:
        from expressim.model.spec.regions import shipped_packs

        if v not in shipped_packs() and not v.endswith((".yaml", ".yml")):
            names = ", ".join(f"'{n}'" for n in shipped_packs())
            raise ValueError(f"expected a shipped region pack ({names}) or a region pack .yaml file, got '{v}'")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        start, end = parse_month(self.start), parse_month(self.horizon)
        if end < start:
            raise _Problem("horizon", f"{self.horizon} is before start {self.start}")
        if start % 12 != 0:
            raise _Problem("start", f"expected a January (YYYY-01), got {self.start}")
        if end % 12 != 11:
            raise _Problem("horizon", f"expected a December (YYYY-12), got {self.horizon}")
        _unique("resources", [r.name for r in self.resources], "resource name")
        _unique("projects", [p.id for p in self.projects], "project id")
        _unique("targets", [t.id for t in self.targets], "target id")
        _unique("tracked", [t.id for t in self.tracked], "tracked id")
        owner = {f"{p.id}.{ph.name}": "a project phase" for p in self.projects for ph in p.phases}
        owner.update({p.id: "a project id" for p in self.projects})
        for path, ids in (("targets", [t.id for t in self.targets]), ("tracked", [t.id for t in self.tracked])):
            for i, tid in enumerate(ids):
                if tid in owner:
                    raise _Problem(f"{path}.{i}.id", f"'{tid}' is also {owner[tid]}; expected ids unique across "
                                                     f"projects, targets and tracked items (a progress file names "
                                                     f"them by id alone)")
                owner[tid] = "a target id" if path == "targets" else "a tracked id"
        names = {r.name for r in self.resources}
        for i, p in enumerate(self.projects):
            _unique(f"projects.{i}.phases", [ph.name for ph in p.phases], "phase name")
            if p.planned_open is not None and parse_month(p.planned_open) < start:
                raise _Problem(f"projects.{i}.planned_open",
                               f"{p.planned_open} is before the scenario start {self.start}")
            for j, ph in enumerate(p.phases):
                if ph.resource is not None and ph.resource not in names:
                    raise _Problem(f"projects.{i}.phases.{j}.resource",
                                   f"unknown resource '{ph.resource}' (declared: {', '.join(sorted(names)) or 'none'})"
                                   + _did_you_mean(ph.resource, names))
                if ph.not_before is not None and parse_month(ph.not_before) < start:
                    raise _Problem(f"projects.{i}.phases.{j}.not_before",
                                   f"{ph.not_before} is before the scenario start {self.start}")
        phases = {p.id: [ph.name for ph in p.phases] for p in self.projects}
        for i, t in enumerate(self.targets):
            for pid in t.projects:
                if pid not in phases:
                    raise _Problem(f"targets.{i}.projects", f"unknown project '{pid}'" + _did_you_mean(pid, phases))
                if t.phase is not None and t.phase not in phases[pid]:
                    raise _Problem(f"targets.{i}.phase", f"project {pid} has no phase '{t.phase}' "
                                                         f"(its phases: {', '.join(phases[pid])})")
            if not start // 12 <= t.year <= end // 12:
                raise _Problem(f"targets.{i}.year", f"{t.year} is outside the simulated years "
                                                    f"{start // 12}..{end // 12}")
        for kind in ("agriculture", "manufacturing"):
            for year in getattr(self.demonstrations, kind):
                if not start // 12 <= year <= end // 12:
                    raise _Problem(f"demonstrations.{kind}.{year}", f"year outside the simulated years "
                                                                    f"{start // 12}..{end // 12}")
        for name, dist in self.parameters.items():
            _check_parameter(name, dist)
        return self

    @property
    def start_month(self) -> int:
        """Month index of the first simulated month."""
        return parse_month(self.start)

    @property
    def n_months(self) -> int:
        """Number of simulated months."""
        return parse_month(self.horizon) - parse_month(self.start) + 1

    @property
    def years(self) -> list[int]:
        """Simulated calendar years."""
        return list(range(self.start_month // 12, parse_month(self.horizon) // 12 + 1))

    def month_offset(self, text: str | None) -> float | None:
        """A ``YYYY-MM`` as months since the start (None stays None)."""
        return None if text is None else float(parse_month(text) - self.start_month)


def _unique(path: str, values: list[str], what: str) -> None:
    seen: set[str] = set()
    for i, v in enumerate(values):
        if v in seen:
            raise _Problem(f"{path}.{i}", f"duplicate {what} '{v}'")
        seen.add(v)


def from_dict(data: object, source: str = "<scenario>") -> Scenario:
    """Validate a mapping into a :class:`Scenario`.

    Raises
    ------
    ScenarioError
        ``source: field.path: message`` (the most useful error; the count of others is added).
    """
    if not isinstance(data, dict):
        got = "an empty file" if data is None else show(data)
        raise ScenarioError(f"{source}: (top level): expected a mapping of keys (name, start, horizon, projects, "
                            f"targets ...), got {got}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        place, msg, n = first_error(exc, Scenario)
        more = f" (+{n - 1} more)" if n > 1 else ""
        raise ScenarioError(f"{source}: {place}: {msg}{more}") from None


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Raises
    ------
    ScenarioError
        Missing, unreadable, too large, binary, malformed YAML (with line and
        column), refused tags, duplicate keys (:mod:`model.spec.safe_yaml`), or invalid
        content (with the field path).

    A relative ``region_pack`` path is taken from the scenario file's folder (like its progress
    file and data), and kept as that path.
    """
    try:
        data = safe_yaml.read_file(path, "scenario")
    except safe_yaml.YamlInputError as exc:
        raise ScenarioError(str(exc)) from None
    scn = from_dict(data, str(Path(path)))
    rp = scn.region_pack
    if rp.endswith((".yaml", ".yml")) and not Path(rp).is_absolute():
        from expressim.model.spec.regions import pack_path

        scn = scn.model_copy(update={"region_pack": str(pack_path(rp, path))})
    return scn
