"""Pydantic validation errors as one line: the place, what was expected, what was found.

``first_error(exc, Model)`` picks the most useful error (unknown keys first), cleans pydantic's
internal path segments, and words it for a person editing YAML by hand, with a "did you mean"
suggestion for unknown keys and choices (looked up in the model's fields at that depth).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
import types
import typing
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError

#: the ``dist`` tags of calibration.distributions (a discriminated union)
DIST_TAGS = ("fixed", "uniform", "triangular", "normal", "lognormal")


class FieldProblem(ValueError):
    """A cross-field problem with the field path it concerns (turned into ``path: message``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def did_you_mean(word: str, choices: Iterable[object]) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


#: characters that would move the cursor, clear the screen or break a line on a terminal
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """``text`` with control characters (newlines, ESC, NUL ...) shown as ``\\xNN``: one inert line."""
    return CONTROLS.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def show(v: object) -> str:
    """A short description of a value as the user wrote it."""
    if v is None:
        return "nothing (an empty value)"
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()} (quote it if you meant text)"
    if isinstance(v, str):
        body = escape_controls(v[:60])
        return f"'{body}{'...' if len(v) > 60 else ''}'"
    if isinstance(v, int | float):
        return f"the number {v:g}" if isinstance(v, float) else f"the number {v}"
    if isinstance(v, _dt.date):
        return f"the date {v.isoformat()} (write months as YYYY-MM)"
    if isinstance(v, dict):
        return f"a mapping with keys {', '.join(str(k) for k in list(v)[:5])}{' ...' if len(v) > 5 else ''}"
    if isinstance(v, list | tuple):
        return f"a list of {len(v)} item(s)"
    if isinstance(v, bytes):
        return "binary data"
    return type(v).__name__


_EXPECTED = {
    "string_type": "text", "int_type": "a whole number", "int_parsing": "a whole number",
    "int_from_float": "a whole number", "float_type": "a number", "float_parsing": "a number",
    "bool_type": "true or false", "bool_parsing": "true or false", "tuple_type": "a list",
    "list_type": "a list", "dict_type": "a mapping (key: value lines)", "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)", "finite_number": "a finite number",
}


def _message(e: dict[str, Any], loc: tuple[Any, ...], root: type[BaseModel]) -> str:
    """One error as ``what was expected, what was found`` (plus a suggestion where one helps)."""
    t = str(e.get("type", ""))
    inp = e.get("input")
    ctx = e.get("ctx") or {}
    msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
    if t == "extra_forbidden":
        return "unknown key" + did_you_mean(str(loc[-1]) if loc else "", _fields_at(loc, root))
    if t == "missing":
        return "required key is missing"
    if t in _EXPECTED:
        return f"expected {_EXPECTED[t]}, got {show(inp)}"
    if t == "literal_error":
        expected = str(ctx.get("expected", ""))
        options = re.findall(r"'([^']*)'", expected)
        return f"expected {expected}, got {show(inp)}" + (did_you_mean(inp, options) if isinstance(inp, str) else "")
    if t == "union_tag_invalid":
        return (f"unknown distribution '{ctx.get('tag')}' (expected dist: {', '.join(DIST_TAGS)})"
                + did_you_mean(ctx.get("tag", ""), DIST_TAGS))
    if t == "union_tag_not_found":
        return f"expected a number or a mapping with 'dist' ({', '.join(DIST_TAGS)}), got {show(inp)}"
    if t == "string_pattern_mismatch":
        return f"expected letters, digits, '_' or '-' only, got {show(inp)}"
    bounds = {"greater_than_equal": (">=", "ge"), "greater_than": (">", "gt"), "less_than_equal": ("<=", "le"),
              "less_than": ("<", "lt")}
    if t in bounds:
        op, key = bounds[t]
        return f"expected a value {op} {ctx.get(key)}, got {show(inp)}"
    if t in ("too_short", "string_too_short"):
        return f"expected at least {ctx.get('min_length')} item(s)/character(s), got {show(inp)}"
    if t in ("too_long", "string_too_long"):
        return f"expected at most {ctx.get('max_length')} item(s)/character(s), got {show(inp)}"
    return msg


def _problem_path(e: dict[str, Any]) -> str | None:
    err = (e.get("ctx") or {}).get("error")
    return err.path if isinstance(err, FieldProblem) else None


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's internal segments (validator names, the distribution tag)."""
    out: list[Any] = []
    for i, part in enumerate(loc):
        s = str(part)
        if s.startswith(("function-", "tagged-union", "nullable[", "union[")) or s == "[key]":
            continue
        if s in DIST_TAGS and i > 0 and (str(loc[i - 1]) == "duration" or (i > 1 and str(loc[i - 2]) == "parameters")):
            continue
        out.append(part)
    return tuple(out)


def _members(ann: Any) -> list[Any]:
    """Flatten ``Annotated``/``Optional``/``Union`` into their member types."""
    origin = typing.get_origin(ann)
    if origin is Annotated:
        return _members(typing.get_args(ann)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [m for a in typing.get_args(ann) for m in _members(a)]
    return [ann]


def _fields_at(loc: tuple[Any, ...], root: type[BaseModel]) -> list[str]:
    """Field names valid at the parent of ``loc`` (for 'did you mean'); empty if unknown."""
    current: list[Any] = [root]
    for part in loc[:-1]:
        nxt: list[Any] = []
        for ann in (m for c in current for m in _members(c)):
            origin = typing.get_origin(ann)
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                field = ann.model_fields.get(str(part))
                if field is not None:
                    nxt.append(field.annotation)
                elif str(part) in DIST_TAGS and ann.model_fields.get("dist") is not None:
                    if ann.model_fields["dist"].default == str(part):
                        nxt.append(ann)
            elif origin in (tuple, list) and isinstance(part, int):
                nxt.append(typing.get_args(ann)[0])
            elif origin is dict:
                nxt.append(typing.get_args(ann)[1])
        if str(part) in DIST_TAGS:
            nxt = [a for a in nxt if isinstance(a, type) and issubclass(a, BaseModel)] or nxt
        current = nxt
    names: list[str] = []
    for ann in (m for c in current for m in _members(c)):
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            for n, f in ann.model_fields.items():
                names.append(f.alias or n)
    return names


def first_error(exc: ValidationError, root: type[BaseModel]) -> tuple[str, str, int]:
    """(place, message, number of errors) of the most useful error: unknown keys first."""
    errs: list[dict[str, Any]] = [dict(e) for e in exc.errors()]
    errs_sorted = sorted(range(len(errs)), key=lambda i: (errs[i].get("type") != "extra_forbidden", i))
    e = errs[errs_sorted[0]]
    loc = _clean_loc(tuple(e.get("loc", ())))
    path = _problem_path(e)
    if path is not None:
        place = ".".join([*map(str, loc), path]) if loc else path
    else:
        place = ".".join(map(str, loc)) or "(top level)"
    return place, _message(e, tuple(e.get("loc", ())), root) if path is None else str(e["ctx"]["error"]), len(errs)
