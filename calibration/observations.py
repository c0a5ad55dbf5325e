"""The tidy observation store: published numbers with their periods, units and provenance.

``load(paths)`` reads observation CSVs (columns in docs/outputs.md; one file's rows become
:class:`~expressim.calibration.records.Observation` records in canonical units, periods as windows
of months, by :mod:`expressim.calibration.records`), derives the
year-earlier window from a published year-on-year rate (flagged ``derived``),
merges duplicates (keeping the most precise value and reporting conflicts) and
detects *scope breaks*: a level whose own growth rate contradicts last year's
published level, as the national 2024 parcel count does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from expressim.calibration.periods import PeriodError, parse_period
from expressim.calibration.records import (
    MAX_FILE_BYTES,
    DataError,
    Observation,
    UnusableRow,
    read_csv_rows,
)
from expressim.calibration.text import FileReadError, read_regular

#: relative difference above which two values of one window are a conflict
CONFLICT_TOLERANCE = 0.01
#: base tolerance of the scope-break test (added to the rounding of the numbers compared)
SCOPE_TOLERANCE = 0.02


@dataclass(frozen=True)
class Conflict:
    """Two or more values published for one geography/indicator/period."""

    geography: str
    indicator: str
    period: str
    values: tuple[float, ...]
    kept: float
    rel_spread: float

    def describe(self) -> str:
        vals = ", ".join(f"{v:.6g}" for v in self.values)
        return (f"{self.geography}/{self.indicator}/{self.period}: values {vals}; kept {self.kept:.6g} "
                f"(spread {100 * self.rel_spread:.2f}%)")


@dataclass(frozen=True)
class ScopeBreak:
    """A level inconsistent with its own growth rate and last year's level.

    ``ratio`` is (level / (1 + growth)) / published previous level: the factor by
    which the earlier levels must be multiplied to put them on the new basis.
    """

    geography: str
    indicator: str
    period: str
    ratio: float
    tolerance: float


@dataclass(frozen=True)
class ObservationSet:
    """All observations of a load, with what the loader found on the way."""

    observations: tuple[Observation, ...]
    conflicts: tuple[Conflict, ...] = ()
    scope_breaks: tuple[ScopeBreak, ...] = ()
    files: tuple[str, ...] = ()
    data_hash: str = ""
    until: str | None = None
    duplicates_dropped: int = 0
    #: one line per file naming the rows the loader could not read (left out)
    skipped: tuple[str, ...] = ()
    #: one line per file (not a shipped one) naming the rows whose geography or indicator key nothing
    #: knows (read as written: a region of the analyst's own, or a misspelling)
    unfamiliar: tuple[str, ...] = ()

    def select(self, geography: str, indicator: str, *, derived: bool = True) -> list[Observation]:
        """Observations of one geography and indicator, sorted by period."""
        out = [o for o in self.observations if o.geography == geography and o.indicator == indicator
               and (derived or not o.derived)]
        return sorted(out, key=lambda o: (o.period.first, o.period.last))

    def breaks(self, geography: str, indicator: str) -> list[ScopeBreak]:
        """Scope breaks detected for one series."""
        return [b for b in self.scope_breaks if b.geography == geography and b.indicator == indicator]


#: CSV files of the data folder that are not observation files (their own schemas)
NOT_OBSERVATIONS = frozenset({"priors_evidence.csv", "spring_festival.csv"})


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, plus the observation CSVs inside directories named.

    In a directory every ``*.csv`` except those of :data:`NOT_OBSERVATIONS` (other
    schemas) is an observation file.  Paths come back absolute with ``~`` expanded and links
    resolved: the one form every later step (data hash, manifest, report) sees, so a path
    typed relative, absolute, through a link or with ``~`` gives the same run.  A file named twice
    (or named and inside a folder named) is read once, where it first appears.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    for p in (Path(x).expanduser().resolve() for x in paths):
        if p.is_dir():
            found = sorted(f for f in p.glob("*.csv") if f.name not in NOT_OBSERVATIONS)
        elif p.is_file():
            found = [p]
        else:
            raise DataError(f"{p}: no such file or directory; expected an observation CSV or a folder of them")
        for f in found:  # a link inside a folder keeps its own name (the reader names it); the target counts once
            try:
                key = f.resolve()
            except (OSError, RuntimeError):
                key = f
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def _precedence(o: Observation) -> tuple[int, int, float]:
    """Sort key: final before preliminary, bulletin first, then most precise."""
    return (int(o.preliminary), int("bulletin" not in o.note.lower()), o.rel_precision)


def _merge(obs: list[Observation]) -> tuple[list[Observation], list[Conflict], int]:
    groups: dict[tuple[str, str, tuple[int, int, int, bool, str]], list[Observation]] = {}
    for o in obs:  # one window, however spelt (2024-01..06 and 2024-H1 are duplicates)
        groups.setdefault((o.geography, o.indicator, o.period.window), []).append(o)
    kept: list[Observation] = []
    conflicts: list[Conflict] = []
    dropped = 0
    for (geo, ind, _), rows in groups.items():
        rows = sorted(rows, key=_precedence)
        best = rows[0]
        period = best.period
        if best.yoy_growth_pct is None:
            with_growth = [r for r in rows if r.yoy_growth_pct is not None]
            if with_growth:
                best = replace(best, yoy_growth_pct=with_growth[0].yoy_growth_pct)
        kept.append(best)
        dropped += len(rows) - 1
        values = [r.value for r in rows]
        spread = (max(values) - min(values)) / abs(best.value) if best.value else 0.0
        if len(rows) > 1 and spread > 0:
            conflicts.append(Conflict(geo, ind, str(period), tuple(values), best.value, spread))
    return kept, conflicts, dropped


def _growth_precision(g: float) -> float:
    """Relative half-unit of a growth rate rounded to its printed decimals, on the level."""
    decimals = len(repr(float(g)).split(".")[1].rstrip("0")) if "." in repr(float(g)) else 0
    return 0.5 * 10.0 ** -decimals / (100 + g)


def _derive_and_breaks(obs: list[Observation]) -> tuple[list[Observation], list[ScopeBreak]]:
    index = {(o.geography, o.indicator, o.period.window): o for o in obs}
    derived: list[Observation] = []
    breaks: list[ScopeBreak] = []
    for o in obs:
        if o.yoy_growth_pct is None or not o.period.is_flow_window:
            continue
        prev_period = o.period.shift_years(-1)
        implied = o.value / (1 + o.yoy_growth_pct / 100)
        prev = index.get((o.geography, o.indicator, prev_period.window))
        if prev is None:
            derived.append(replace(
                o, period=prev_period, value=implied, yoy_growth_pct=None, derived=True,
                note=f"derived: {o.period} value / (1 + {o.yoy_growth_pct}%)",
                rel_precision=o.rel_precision + _growth_precision(o.yoy_growth_pct)))
            continue
        if prev.value <= 0:
            raise DataError(f"{prev.file}:{prev.line}: field 'value': {prev.geography}/{prev.indicator}/{prev.period} "
                            f"is {prev.value:g} {prev.unit}, but the growth rate at {o.file}:{o.line} implies "
                            f"{implied:.6g}; expected a positive level")
        tol = SCOPE_TOLERANCE + o.rel_precision + prev.rel_precision + _growth_precision(o.yoy_growth_pct)
        ratio = implied / prev.value
        if abs(ratio - 1) > tol:
            breaks.append(ScopeBreak(o.geography, o.indicator, str(o.period), ratio, tol))
    return derived, breaks


def _hash_files(files: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        try:
            h.update(hashlib.sha256(read_regular(f, MAX_FILE_BYTES)).digest())
        except FileReadError as exc:
            raise DataError(f"{f}: {exc}") from None
    return h.hexdigest()


def default_data_dir() -> Path:
    """The shipped data folder ``calibration/data``."""
    return Path(__file__).resolve().parent / "data"


def load(paths: Iterable[str | Path] | str | Path | None = None, *, until: str | int | None = None,
         strict: bool = False, names: Mapping[str, str] | None = None) -> ObservationSet:
    """Load observation CSVs into an :class:`ObservationSet`.

    Parameters
    ----------
    paths : path or iterable of paths, optional
        Files or folders (``--data``); default: the shipped ``calibration/data``.
        Given paths *replace* the shipped set.
    until : str or int, optional
        A period (an int is a year); every observation ending after it is dropped before
        anything is derived (no look-ahead).
    strict : bool
        Fail when two values of one window differ by more than 1%, or on a row whose unit or
        period the model cannot read (otherwise such rows are left out and named in
        :attr:`ObservationSet.skipped`).
    names : mapping, optional
        Geography names -> keys (``{"<中文名>": "Key"}``); default: the region packs' names
        (:func:`expressim.calibration.names.add_geography_names`).  With them, the brackets of the
        shipped data and of the files read, and the indicators' Chinese names, a row written with Chinese
        names is read as its keys (:func:`expressim.calibration.names.resolve`).

    Raises
    ------
    DataError
        Bad rows, unreadable files, a name no source knows (``file:line: field 'geography': ...``),
        or (``strict``) conflicts.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    files = expand_paths(paths if paths is not None else [default_data_dir()])
    if not files:
        raise DataError("--data: no observation CSV found in the given paths")
    raw: list[Observation] = []
    skipped: list[str] = []
    refused: list[str] = []
    for f in files:
        rows, unusable = read_csv_rows(f)
        raw += rows
        if unusable:
            skipped.append(_describe_skipped(f, unusable))
            if f.parent != default_data_dir():  # the shipped files' leftovers are known and listed
                first = unusable[0]
                refused.append(f"--strict: {f}:{first.line}: field '{first.field}': {first.__cause__ or first}")
    if strict and refused:  # after every file is read: a bad value anywhere is said first
        raise DataError(refused[0])
    raw = _resolve_names(raw, files, names)
    unknown = _unfamiliar(raw, names)
    if until is not None:
        try:
            cut = parse_period(until, allow_approx=False).last
        except PeriodError as exc:
            raise DataError(f"--until: {exc}") from None
        raw = [o for o in raw if o.period.kind == "approx" or o.period.last <= cut]
    kept, conflicts, dropped = _merge(raw)
    if strict:
        bad = [c for c in conflicts if c.rel_spread > CONFLICT_TOLERANCE]
        if bad:
            raise DataError(f"--strict: {len(bad)} conflicting duplicate(s), first: {bad[0].describe()}")
    derived, breaks = _derive_and_breaks(kept)
    return ObservationSet(
        observations=tuple(kept + derived), conflicts=tuple(conflicts), scope_breaks=tuple(breaks),
        files=tuple(str(f) for f in files), data_hash=_hash_files(files), until=None if until is None else str(until),
        duplicates_dropped=dropped, skipped=tuple(skipped), unfamiliar=tuple(unknown),
    )


def _resolve_names(raw: list[Observation], files: Sequence[Path], names: Mapping[str, str] | None) -> list[Observation]:
    """Rows written with Chinese names read as their keys (or refused), when any row has one."""
    from expressim.calibration.names import build_table, has_cjk, resolve

    if not any(has_cjk(o.geography_label or o.geography) or has_cjk(o.indicator_label or o.indicator) for o in raw):
        return raw
    shipped = expand_paths([default_data_dir()]) if default_data_dir().is_dir() else []
    return resolve(raw, build_table(shipped, files, names))


def _unfamiliar(raw: list[Observation], names: Mapping[str, str] | None) -> list[str]:
    """Lines naming the rows of files outside the shipped folder whose keys nothing knows."""
    from expressim.calibration.names import known_keys, unfamiliar

    shipped_dir = default_data_dir()
    own = [o for o in raw if o.file and Path(o.file).parent != shipped_dir]
    if not own:
        return []
    shipped = expand_paths([shipped_dir]) if shipped_dir.is_dir() else []
    return unfamiliar(own, known_keys(shipped, names))


def _describe_skipped(path: Path, rows: Sequence[UnusableRow], limit: int = 12) -> str:
    """One line naming the rows of a file that were left out (the first ``limit`` of them)."""
    shown_rows = "; ".join(str(r) for r in rows[:limit])
    more = f"; and {len(rows) - limit} more" if len(rows) > limit else ""
    return (f"{path}: {len(rows)} row(s) not used (a unit or period the model cannot read, or no value; "
            f"--strict refuses them): {shown_rows}{more}")


@dataclass(frozen=True)
class LoadReport:
    """Counts for the CLI's calibration summary."""

    n_observations: int
    n_derived: int
    n_conflicts: int
    conflicts: list[str] = field(default_factory=list)
    scope_breaks: list[str] = field(default_factory=list)


def report(obs: ObservationSet) -> LoadReport:
    """Summarise a load: counts, conflicts and scope breaks as text lines."""
    return LoadReport(
        n_observations=sum(not o.derived for o in obs.observations),
        n_derived=sum(o.derived for o in obs.observations),
        n_conflicts=len(obs.conflicts),
        conflicts=[c.describe() for c in obs.conflicts if c.rel_spread > CONFLICT_TOLERANCE],
        scope_breaks=[f"{b.geography}/{b.indicator}/{b.period}: implied previous level / published = "
                      f"{b.ratio:.3f} (tolerance {b.tolerance:.3f})" for b in obs.scope_breaks],
    )
