"""The names a data file may give a geography or an indicator, and the one key each stands for.

Observation files name things by an English key, optionally with the Chinese name in brackets
(``Key(中文名)``, the shipped files' form).  An analyst copying a figure from a bulletin writes the Chinese
name alone (``<地名>,快递进出口业务量,2024,3.2,亿件``) or the bracket the other way round (``中文名(Key)``).
:func:`resolve` reads each such row as its key, or refuses it with one line naming the file, the row and the
field -- never leaves it silently unused.

Where the names come from (nothing here names a place):

- geographies: the region packs (each pack's nation, province, prefecture and counties with their names,
  registered by :mod:`expressim.model.spec` through :func:`add_geography_names`), and every ``Key(中文名)``
  of the shipped data and of the files being read;
- indicators: the Chinese names of the series the calibration reads (:data:`INDICATOR_NAMES`) and every
  ``key(中文名)`` of the shipped data and of the files being read.

A name two sources give different keys is ambiguous: a row using it alone is refused (naming both).  A
bracket whose Chinese part is the known name of another key (``KeyA(name of KeyB)``) is refused too: the
row would otherwise be read as ``KeyA`` while its writer meant ``KeyB``.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple, Protocol

__all__ = ["INDICATOR_NAMES", "NameTable", "add_geography_names", "KeyedRow", "build_table", "harvest", "known_keys", "resolve",
           "split_name", "unfamiliar"]

#: Chinese names of the indicators the calibration reads (the shipped files bracket most of them too)
INDICATOR_NAMES: dict[str, tuple[str, ...]] = {
    "express_volume": ("快递业务量", "快递收寄量", "快递业务量（收寄）"),
    "express_revenue": ("快递业务收入",),
    "express_volume_inbound": ("快递投递量", "快递派送量", "快递业务量（投递）"),
    "express_volume_inout": ("快递进出口业务量", "快递进出口量", "快递业务进出口量", "快递进出港业务量"),
}

#: callables giving ``{name: key}`` of geographies (the region packs' names), called when a table is built
_PROVIDERS: list[Callable[[], Mapping[str, str]]] = []
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_BRACKET = re.compile(r"^\s*([^()（）]*?)\s*[(（]\s*([^()（）]*?)\s*[)）]\s*$")
_SEGMENT = re.compile(r"[,;:，；：]")
#: administrative suffixes a name is also known without (<name>市 -> <name>), when that stays unambiguous
_SUFFIXES = ("自治州", "自治县", "市", "省", "县", "区", "州")


def add_geography_names(provider: Callable[[], Mapping[str, str]]) -> None:
    """Register a source of geography names (``{name: key}``), e.g. the region packs; called lazily."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def split_name(text: str) -> tuple[str, str]:
    """``'Key(中文名)'`` -> ``('Key', '中文名')``; ``'中文名(Key)'`` -> ``('Key', '中文名')``; ``'中文名'`` -> ``('',
    '中文名')``; ``'Key'`` -> ``('Key', '')``.  The Chinese part is its first segment (``关岭县, <province>`` ->
    ``关岭县``); a part that is not a name (a note in brackets) comes back as ``''``."""
    t = _norm(text)
    m = _BRACKET.match(t)
    if m:
        outside, inside = m.group(1), m.group(2)
        if has_cjk(outside) and not has_cjk(inside) and re.fullmatch(r"[A-Za-z][\w .'-]*", inside):
            outside, inside = inside, outside  # 中文名(Key)
        elif has_cjk(outside):  # a Chinese name with a bracket of its own: 快递业务量（收寄）
            return "", t
        return outside, _chinese(inside)
    if has_cjk(t) and not re.search(r"[A-Za-z]", t):
        return "", t
    return t, ""


def _chinese(part: str) -> str:
    first = _SEGMENT.split(part, maxsplit=1)[0].strip()
    return first if has_cjk(first) and "+" not in first and not re.search(r"[A-Za-z]", first) else ""


@dataclass
class NameTable:
    """Names -> keys, for geographies and indicators, with where each pairing came from."""

    geography: dict[str, set[str]] = field(default_factory=dict)
    indicator: dict[str, set[str]] = field(default_factory=dict)
    #: (field, name) -> where it was first seen (a region pack, a file and line), for messages
    origin: dict[tuple[str, str], str] = field(default_factory=dict)
    #: (field, name) -> the keys the packs, the indicator list and the shipped data give it (a bracket in a
    #: file being read is checked against these, not against itself)
    trusted: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def add(self, kind: str, name: str, key: str, origin: str = "", *, trusted: bool = True) -> None:
        name, key = _norm(name), _norm(key)
        if not name or not key:
            return
        getattr(self, kind).setdefault(name, set()).add(key)
        self.origin.setdefault((kind, name), origin)
        if trusted:
            self.trusted.setdefault((kind, name), set()).add(key)

    def keys(self, kind: str, name: str) -> set[str]:
        return set(getattr(self, kind).get(_norm(name), set()))

    def trusted_keys(self, kind: str, name: str) -> set[str]:
        return set(self.trusted.get((kind, _norm(name)), set()))

    def known_keys(self, kind: str) -> set[str]:
        return {k for ks in getattr(self, kind).values() for k in ks}

    def examples(self, kind: str, limit: int = 4) -> list[str]:
        """A few names of ``kind`` (the region packs' first), for a message."""
        table: dict[str, set[str]] = getattr(self, kind)
        first = [n for n in table if self.origin.get((kind, n), "").startswith("region pack")]
        return list(dict.fromkeys(first + list(table)))[:limit]


class _FileNames(NamedTuple):
    """What one observation CSV's geography and indicator columns hold."""

    #: ``(field, name, key, line)`` of every ``Key(中文名)``
    pairs: tuple[tuple[str, str, str, int], ...] = ()
    #: the keys (the English part of each cell) of the geography and of the indicator column
    geographies: frozenset[str] = frozenset()
    indicators: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=64)
def _scan_file(path: str, stamp: tuple[int, int]) -> _FileNames:
    """One pass over an observation CSV's geography and indicator columns (cached per file version)."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return _FileNames()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        return _FileNames()
    reader = csv.reader(io.StringIO(text))
    try:
        header = [_norm(h).lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        return _FileNames()
    cols = {f: header.index(f) for f in ("geography", "indicator") if f in header}
    pairs = []
    keys: dict[str, set[str]] = {"geography": set(), "indicator": set()}
    try:
        for row in reader:
            for f, i in cols.items():
                if i < len(row):
                    key, name = split_name(row[i])
                    keys[f].add(key or _norm(row[i]))
                    if key and name:
                        pairs.append((f, name, key, reader.line_num))
    except csv.Error:
        pass
    return _FileNames(tuple(pairs), frozenset(keys["geography"]), frozenset(keys["indicator"]))


def known_keys(shipped: Iterable[str | Path], geographies: Mapping[str, str] | None = None
               ) -> tuple[set[str], set[str]]:
    """The geography keys and the indicator keys a load knows: the region packs' (``geographies``, else the
    registered providers'), the calibration's indicators and every key the shipped files use."""
    geo: set[str] = set(_pack_names(geographies).values())
    ind: set[str] = set(INDICATOR_NAMES)
    for f in shipped:
        stamp = _stamp(Path(f))
        if stamp is None:
            continue
        found = _scan_file(str(f), stamp)
        geo |= found.geographies
        ind |= found.indicators
    return geo, ind


class KeyedRow(Protocol):
    """What :func:`unfamiliar` reads of a row: its keys and where it was written."""

    @property
    def geography(self) -> str: ...
    @property
    def indicator(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...


def unfamiliar(rows: Sequence[KeyedRow], known: tuple[set[str], set[str]], limit: int = 8) -> list[str]:
    """One line per file naming its rows whose geography or indicator key no region pack, no indicator list
    and no shipped file knows (a misspelt key, most often): read as written, but said, with the closest
    known key."""
    by_file: dict[str, list[str]] = {}
    for o in rows:
        for fld, key, keys in (("geography", o.geography, known[0]), ("indicator", o.indicator, known[1])):
            if key not in keys:
                by_file.setdefault(str(o.file), []).append(f"line {o.line} {fld} '{key}'{_suggest(key, keys)}")
    out = []
    for f, items in by_file.items():
        more = f"; and {len(items) - limit} more" if len(items) > limit else ""
        out.append(f"{f}: {len(items)} name(s) no region pack and no shipped file knows (read as written; "
                   f"check the spelling): {'; '.join(items[:limit])}{more}")
    return out


def harvest(files: Iterable[str | Path]) -> list[tuple[str, str, str, str]]:
    """``(field, name, key, "file:line")`` of every bracketed name in the files (cached per file version)."""
    out = []
    for f in files:
        p = Path(f)
        stamp = _stamp(p)
        if stamp is not None:
            out += [(fld, name, key, f"{p}:{line}") for fld, name, key, line in _scan_file(str(p), stamp).pairs]
    return out


def _stamp(path: Path) -> tuple[int, int] | None:
    """A file's version for the caches (modification time, size), None when it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _pack_names(geographies: Mapping[str, str] | None) -> dict[str, str]:
    """``geographies``, else the registered providers' ``{name: key}``."""
    if geographies is not None:
        return dict(geographies)
    return {n: k for provider in _PROVIDERS for n, k in provider().items()}


def build_table(shipped: Sequence[str | Path], files: Sequence[str | Path],
                geographies: Mapping[str, str] | None = None) -> NameTable:
    """The names of a load: the region packs' (``geographies``, else the registered providers'), the
    indicators', and the brackets of the shipped files and of ``files``."""
    t = NameTable()
    packs = _pack_names(geographies)
    for name, key in packs.items():
        t.add("geography", name, key, "region pack")
    # the packs' names without their administrative suffix, where that names one key only
    short: dict[str, set[str]] = {}
    for name, key in packs.items():
        for suf in _SUFFIXES:
            if name.endswith(suf) and len(name) - len(suf) >= 2:
                short.setdefault(name[: -len(suf)], set()).add(key)
                break
    for name, keys in short.items():
        if len(keys) == 1 and name not in t.geography:
            t.add("geography", name, next(iter(keys)), "region pack")
    for key, names in INDICATOR_NAMES.items():
        for name in names:
            t.add("indicator", name, key, "the calibration's indicators")
    for fld, name, key, where in harvest(shipped):
        t.add(fld, name, key, where)
    shipped_set = {str(Path(f)) for f in shipped}
    for fld, name, key, where in harvest([f for f in files if str(Path(f)) not in shipped_set]):
        t.add(fld, name, key, where, trusted=False)
    return t


def _suggest(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def resolve(rows: Sequence[Any], table: NameTable) -> list[Any]:
    """Every observation with its geography and indicator read as keys (``dataclasses.replace``).

    Parameters
    ----------
    rows : sequence of Observation
        As read (:func:`expressim.calibration.records.read_csv_rows`), with ``geography_label`` and
        ``indicator_label`` holding the cells as written.
    table : NameTable
        :func:`build_table`.

    Raises
    ------
    DataError
        ``file:line: field 'geography': '<name>' ...`` (one line): a Chinese name no pack, no file and no
        indicator list knows, an ambiguous one, or a bracket whose two halves name different keys.
    """
    from expressim.calibration.records import DataError

    out = []
    for o in rows:
        new: dict[str, str] = {}
        for fld, label, current in (("geography", o.geography_label, o.geography),
                                    ("indicator", o.indicator_label, o.indicator)):
            key = _resolve_one(table, fld, label or current, current, f"{o.file}:{o.line}", DataError)
            if key != current:
                new[fld] = key
        out.append(replace(o, **new) if new else o)
    return out


def _resolve_one(table: NameTable, fld: str, text: str, current: str, where: str, error: type[Exception]) -> str:
    key, name = split_name(text)
    shown = _norm(text)
    if not name:
        return current  # an English key (with a note in brackets, or none): as the reader took it
    keys = table.keys(fld, name)
    if not key:  # a Chinese name alone
        if len(keys) == 1:
            return next(iter(keys))
        if len(keys) > 1:
            raise error(f"{where}: field '{fld}': '{shown}' names {' and '.join(sorted(keys))} "
                        f"(different sources); expected the English key, e.g. {sorted(keys)[0]}({name})")
        examples = ", ".join(table.examples(fld))
        what = "a place of the region packs or the data" if fld == "geography" else "an indicator the data name"
        raise error(f"{where}: field '{fld}': '{shown}' is not {what}; expected an English key or a Chinese "
                    f"name they know (e.g. {examples}){_suggest(name, getattr(table, fld))}")
    known = table.trusted_keys(fld, name)
    if known and key not in known:
        other = sorted(known)[0]
        raise error(f"{where}: field '{fld}': '{shown}': {name} is {' or '.join(sorted(known))}, not {key}; "
                    f"expected {other}({name}) (or the English key alone)")
    return key
