"""Scenario files: YAML -> a frozen, validated :class:`Scenario` (pydantic v2).

A scenario holds the policy (the infrastructure timeline), the simulation window,
the target register and optional overrides of the assumption register.  Every
uncertain input not overridden comes from ``calibration/data/assumptions.yaml``.
Errors name the file, the field path and what was expected, in one line.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model.distributions import Distribution

MAX_SCENARIO_BYTES = 1 * 2**20
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line naming file and field."""


def parse_month(text: str) -> int:
    """``'2023-04'`` -> month index ``2023 * 12 + 3``.

    Raises
    ------
    ValueError
        If the text is not ``YYYY-MM`` with a month 01..12.
    """
    m = _MONTH.match(str(text).strip())
    if not m or not 1 <= int(m[2]) <= 12 or not 1949 <= int(m[1]) <= 2100:
        raise ValueError(f"expected a month YYYY-MM, got '{text}'")
    return int(m[1]) * 12 + int(m[2]) - 1


Month = str


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Phase(_Model):
    """One phase of a project (feasibility, approval, construction, commissioning ...)."""

    name: str = Field(min_length=1)
    duration: Distribution
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
        lo, _ = v.bounds()
        if lo < 0:
            raise ValueError("durations are months and cannot be negative (lower bound < 0)")
        return v


class Project(_Model):
    """An infrastructure project: the hub, a county centre, or the village-station programme."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    kind: Literal["hub", "county_centre", "stations"]
    region: str
    label: str = ""
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
    capacity: int = Field(ge=1, le=1000)


class Target(_Model):
    """One entry of the target register.

    ``metric`` names a simulated annual indicator (see scenarios/README.md);
    ``projects``/``phase`` qualify the rollout metrics.
    """

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    label: str
    metric: Literal[
        "parcels_inout", "parcels_in", "parcels_out", "revenue", "jobs", "specialty_sales", "online_shopping",
        "firms_over_1e8", "firms_over_1e7", "village_coverage", "green_slim_tape", "green_no_reboxing",
        "green_reusable_bags", "projects_open", "phase_started", "demo_agriculture", "demo_manufacturing",
        "liquor_tonnes", "scenic_coverage",
    ]
    year: int = Field(ge=2000, le=2100)
    threshold: float
    unit: str = ""
    comparison: Literal[">=", "<="] = ">="
    projects: tuple[str, ...] = ()
    phase: str | None = None
    headline: bool = False


class Tracked(_Model):
    """A plan task tracked from the analyst's progress file rather than simulated."""

    id: str
    label: str
    year: int | None = None


class Demonstrations(_Model):
    """Demonstration projects the plan schedules per year."""

    agriculture: dict[int, int] = Field(default_factory=dict)
    manufacturing: dict[int, int] = Field(default_factory=dict)

    @field_validator("agriculture", "manufacturing")
    @classmethod
    def _counts(cls, v: dict[int, int]) -> dict[int, int]:
        for year, n in v.items():
            if not 2000 <= year <= 2100 or n < 0:
                raise ValueError(f"expected year: non-negative count, got {year}: {n}")
        return v


class Calibration(_Model):
    """Which data the baseline is calibrated on."""

    data: tuple[str, ...] = ()
    until: str | None = None


class Scenario(_Model):
    """A validated scenario (frozen)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    start: Month
    horizon: Month
    replications: int = Field(default=2000, ge=1, le=10_000_000)
    seed: int = Field(default=20230423, ge=0)
    region_pack: Literal["bijie"] = "bijie"
    calibration: Calibration = Calibration()
    resources: tuple[Resource, ...] = ()
    projects: tuple[Project, ...] = ()
    demonstrations: Demonstrations = Demonstrations()
    parameters: dict[str, Distribution] = Field(default_factory=dict)
    targets: tuple[Target, ...] = Field(min_length=1)
    tracked: tuple[Tracked, ...] = ()

    @field_validator("start", "horizon")
    @classmethod
    def _month(cls, v: str) -> str:
        parse_month(v)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        start, end = parse_month(self.start), parse_month(self.horizon)
        if end < start:
            raise ValueError(f"horizon {self.horizon} is before start {self.start}")
        if start % 12 != 0:
            raise ValueError(f"start must be a January (YYYY-01), got {self.start}")
        if end % 12 != 11:
            raise ValueError(f"horizon must be a December (YYYY-12), got {self.horizon}")
        ids = [p.id for p in self.projects]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate project id(s): {', '.join(sorted(dup))}")
        names = {r.name for r in self.resources}
        for p in self.projects:
            for ph in p.phases:
                if ph.resource is not None and ph.resource not in names:
                    raise ValueError(f"project {p.id}, phase {ph.name}: unknown resource '{ph.resource}' "
                                     f"(declared: {', '.join(sorted(names)) or 'none'})")
                if ph.not_before is not None and parse_month(ph.not_before) < start:
                    raise ValueError(f"project {p.id}, phase {ph.name}: not_before {ph.not_before} "
                                     f"is before the scenario start {self.start}")
        tids = [t.id for t in self.targets]
        dup = {i for i in tids if tids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate target id(s): {', '.join(sorted(dup))}")
        for t in self.targets:
            unknown = [p for p in t.projects if p not in ids]
            if unknown:
                raise ValueError(f"target {t.id}: unknown project(s) {', '.join(unknown)}")
            if not start // 12 <= t.year <= end // 12:
                raise ValueError(f"target {t.id}: year {t.year} is outside the simulated years "
                                 f"{start // 12}..{end // 12}")
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


def _loc(err: dict[str, Any]) -> str:
    parts = [str(p) for p in err.get("loc", ()) if not str(p).startswith(("function-after", "tagged-union"))]
    # pydantic puts the discriminator tag in the path (e.g. "triangular"); keep it, it helps
    return ".".join(parts) or "(top level)"


def _suggest(err: dict[str, Any], model_fields: dict[str, Any]) -> str:
    loc = err.get("loc", ())
    if err.get("type") != "extra_forbidden" or not loc:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model_fields), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _fields_for(loc: tuple[Any, ...]) -> dict[str, Any]:
    """Field names valid at the parent of ``loc`` (for 'did you mean')."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = getattr(model, "model_fields", {}).get(str(part))
        if field is None:
            return {}
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        cand = [a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
        model = cand[0] if cand else None
    return dict(getattr(model, "model_fields", {})) if model is not None else {}


def from_dict(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate a mapping into a :class:`Scenario`.

    Raises
    ------
    ScenarioError
        ``source: field.path: message`` (first error; the count of others is added).
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping of keys (name, start, horizon, projects, targets ...), "
                            f"got {type(data).__name__ if data is not None else 'an empty file'}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errs = exc.errors()
        e = errs[0]
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        more = f" (+{len(errs) - 1} more)" if len(errs) > 1 else ""
        hint = _suggest(e, _fields_for(tuple(e.get("loc", ()))))
        raise ScenarioError(f"{source}: {_loc(e)}: {msg}{hint}{more}") from None


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file (``yaml.safe_load``: no object construction).

    Raises
    ------
    ScenarioError
        Missing, unreadable, too large, binary, malformed YAML (with line and
        column) or invalid content.
    """
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such scenario file")
    size = p.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{p}: file is {size} bytes; expected a scenario under {MAX_SCENARIO_BYTES} bytes")
    raw = p.read_bytes()
    if b"\x00" in raw:
        raise ScenarioError(f"{p}: binary content; expected a UTF-8 YAML text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{p}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "?"
        raise ScenarioError(f"{p}: YAML syntax error at {where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{p}: YAML error: {str(exc).splitlines()[0]}") from None
    return from_dict(data, str(p))
