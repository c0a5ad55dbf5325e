"""Safe YAML reading: no object construction, no duplicate keys, bounded size and nesting.

``read_file`` turns a YAML file into plain data (mappings, lists, text, numbers) or raises
:class:`YamlInputError` with one line naming the file, the line and column, and what was
expected.  The scenario loader (:mod:`model.spec.scenario`) validates the data afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from expressim.calibration.text import TextDecodeError, decode_text

#: largest YAML file read [bytes]
MAX_BYTES = 1 * 2**20
#: values allowed once aliases are expanded (refuses "billion laughs" alias bombs)
MAX_VALUES = 200_000
#: deepest nesting of lists/mappings
MAX_DEPTH = 40


class YamlInputError(ValueError):
    """A YAML file that cannot be read as plain data; one-line message."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """``SafeLoader`` (libyaml's when installed: ~10x faster) that refuses duplicate keys (YAML itself
    keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                dup = key in seen
                seen.add(key)
            except TypeError:
                continue  # unhashable keys are reported by SafeLoader itself
            if dup:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _walk(data: Any) -> Iterator[tuple[Any, int]]:
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        obj, depth = stack.pop()
        yield obj, depth
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values())
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj)


def check_size(data: Any, source: str) -> None:
    """Refuse alias bombs and absurd nesting (values counted as if aliases were expanded)."""
    for count, (_, depth) in enumerate(_walk(data), start=1):
        if count > MAX_VALUES:
            raise YamlInputError(f"{source}: more than {MAX_VALUES} values once aliases are expanded; "
                                f"expected a file of plain size")
        if depth > MAX_DEPTH:
            raise YamlInputError(f"{source}: lists/mappings nested more than {MAX_DEPTH} deep; expected plain data")


def decode(raw: bytes, p: Path) -> str:
    """Text of a YAML file: UTF-16 (with its BOM) or UTF-8 (with or without BOM); binary refused."""
    try:
        return decode_text(raw)
    except TextDecodeError as exc:
        raise YamlInputError(f"{p}: {exc}; expected a UTF-8 YAML text file (save it as UTF-8)") from None


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text with the safe, duplicate-refusing loader.

    Raises
    ------
    YamlInputError
        ``source: line L, column C: ...`` for syntax errors, refused tags and duplicate keys.
    """
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(position unknown)"
        problem = str(exc.problem or exc.context or "invalid YAML")
        tag = re.search(r"constructor for the tag '([^']*)'", problem)
        if tag:
            shown = tag[1].replace("tag:yaml.org,2002:", "!!")
            raise YamlInputError(f"{source}: {where}: YAML tag '{shown}' is not allowed; expected plain data "
                                f"(mappings, lists, text, numbers)") from None
        if "another document" in problem:
            raise YamlInputError(f"{source}: {where}: a second YAML document ('---'); expected a single document "
                                f"(one per file)") from None
        if problem.startswith("duplicate key"):
            raise YamlInputError(f"{source}: {where}: {problem}; expected each key once (YAML would keep only "
                                f"the last)") from None
        raise YamlInputError(f"{source}: {where}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlInputError(f"{source}: YAML error: {str(exc).splitlines()[0] if str(exc) else 'invalid'}") from None
    except RecursionError:
        raise YamlInputError(f"{source}: lists/mappings nested too deeply; expected plain data") from None
    check_size(data, source)
    return data


def read_file(path: str | Path, what: str = "YAML file") -> Any:
    """Read a YAML file into plain data.

    Raises
    ------
    YamlInputError
        Missing, a folder, unreadable, too large, empty, binary, not UTF-8/UTF-16, malformed
        (with line and column), refused tags, duplicate keys, alias bombs, deep nesting.
    """
    p = Path(path)
    if p.is_dir():
        raise YamlInputError(f"{p}: is a folder; expected a {what}")
    if not p.is_file():
        raise YamlInputError(f"{p}: no such {what}")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise YamlInputError(f"{p}: file is {size} bytes; expected a {what} under {MAX_BYTES} bytes")
        raw = p.read_bytes()
    except OSError as exc:
        raise YamlInputError(f"{p}: cannot read ({exc.strerror or type(exc).__name__})") from None
    if not raw.strip():
        raise YamlInputError(f"{p}: empty file; expected a {what}")
    return parse_yaml(decode(raw, p), str(p))
