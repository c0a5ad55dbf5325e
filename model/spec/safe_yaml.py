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

from expressim.calibration.text import FileReadError, TextDecodeError, decode_text, read_regular

#: largest YAML file read [bytes]
MAX_BYTES = 1 * 2**20
#: values allowed once aliases are expanded (refuses "billion laughs" alias bombs)
MAX_VALUES = 200_000
#: deepest nesting of lists/mappings
MAX_DEPTH = 40


class YamlInputError(ValueError):
    """A YAML file that cannot be read as plain data; one-line message."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """``SafeLoader`` (libyaml's parser when installed: ~10x faster) with the YAML 1.2 core schema's plain scalars and no duplicate keys.

    YAML 1.1 (PyYAML's default) reads ``1:30`` as 90 (base 60), ``yes``/``on`` as true,
    ``2023-02-30`` as a date that then fails to construct, and refuses ``1e8`` as a number;
    here plain scalars are only: null, ``true``/``false``, decimal/octal (``0o``)/hex integers,
    decimal floats (with or without a dot before the exponent, ``.inf``, ``.nan``); anything
    else (dates included) stays text for the schema to validate with its own message.
    ``!!binary``, ``!!set``, ``!!omap``, ``!!pairs`` and ``!!timestamp`` tags are refused.
    Keys are compared as text, so ``2024`` and ``'2024'`` in one mapping are duplicates.
    """

    yaml_implicit_resolvers: dict[Any, Any] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                continue  # unhashable keys are reported by SafeLoader itself
            if str(key) in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
            seen.add(str(key))
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        if digits.startswith("0o"):
            return sign * int(digits[2:], 8)
        if digits.startswith("0x"):
            return sign * int(digits[2:], 16)
        return sign * int(digits, 10)


def _refuse(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"could not determine a constructor for the tag '{node.tag}'", node.start_mark)


_CORE_SCALARS = (
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+0123456789.")),
)
for _tag, _pattern, _first in _CORE_SCALARS:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
for _tag in ("binary", "set", "omap", "pairs", "timestamp"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse)


def _walk(data: Any) -> Iterator[tuple[Any, int]]:
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        obj, depth = stack.pop()
        yield obj, depth
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values())
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj)


def check_size(data: object, source: str) -> None:
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


def parse_yaml(text: str, source: str) -> object:
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


def read_file(path: str | Path, what: str = "YAML file") -> object:
    """Read a YAML file into plain data.

    Raises
    ------
    YamlInputError
        Missing, a folder, unreadable, too large, empty, binary, not UTF-8/UTF-16, malformed
        (with line and column), refused tags, duplicate keys, alias bombs, deep nesting.
    """
    p = Path(path)
    try:
        raw = read_regular(p, MAX_BYTES)
    except FileReadError as exc:
        raise YamlInputError(f"{p}: {exc}; expected a {what} under {MAX_BYTES} bytes") from None
    if not raw.strip():
        raise YamlInputError(f"{p}: empty file; expected a {what}")
    return parse_yaml(decode(raw, p), str(p))
