"""No ``Any`` in the signatures the packages offer each other (issue 19).

Reads the syntax tree of every module of ``model/`` and ``calibration/`` and fails, naming ``file:line``, for
a public function or method (no leading underscore, at module level or in a public class) whose parameter
or return annotations contain ``typing.Any``, and for an annotated field of a public class (a dataclass,
a TypedDict, a NamedTuple: what crosses floors as a value) that does.  ``Any`` reached through a type
alias (``Row = dict[str, Any]``, in the same module or imported from another one of the project) counts
too.  Private helpers may use ``Any``; what another package calls may not: ``object``, a TypedDict, a
Protocol or the precise type says what it takes.

``calibration/`` still has the public signatures listed in :data:`CALIBRATION_DEBT` (the calibration is
being reworked by its owners); no new one may appear, and an entry leaves the list once its ``Any`` is gone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import ROOT

#: public signatures of ``calibration/`` that still hold Any ("file:qualified name"), to be typed by the
#: calibration's owners; the test fails on a new one and on an entry that no longer holds Any
CALIBRATION_DEBT = frozenset({
    "calibration/hierarchy.py:floors_from",
    "calibration/hierarchy.py:priors_from",
    "calibration/hierarchy.py:initial_state",
    "calibration/hierarchy.py:fit_hierarchy",
    "calibration/levels.py:Levels.from_dict",
    "calibration/names.py:resolve",
    "calibration/news.py:what_moved",
    "calibration/statespace.py:Priors.log_density",
    "calibration/statespace.py:make_model",
})


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return "expressim." + ".".join(parts)


FILES = sorted(f for top in ("model", "calibration") for f in (ROOT / top).rglob("*.py"))
TREES = {f: ast.parse(f.read_text(encoding="utf-8")) for f in FILES}
MODULES = {_module_name(f): f for f in FILES}


def _any_names(tree: ast.Module) -> set[str]:
    """Names bound to ``typing.Any`` in a module (``from typing import Any [as A]``)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("typing", "typing_extensions"):
            out |= {a.asname or a.name for a in node.names if a.name == "Any"}
    return out


def _mentions(node: ast.AST | None, any_names: set[str], aliases: set[str]) -> bool:
    """Whether an annotation names Any (directly, as ``typing.Any``, in a quoted annotation, or through an alias)."""
    if node is None:
        return False
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and (n.id in any_names or n.id in aliases):
            return True
        if isinstance(n, ast.Attribute) and n.attr == "Any" and isinstance(n.value, ast.Name) and n.value.id in (
                "typing", "t", "typing_extensions"):
            return True
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            try:
                quoted = ast.parse(n.value, mode="eval").body
            except SyntaxError:
                continue
            if _mentions(quoted, any_names, aliases):
                return True
    return False


def _alias_values(tree: ast.Module) -> dict[str, ast.AST]:
    """Module-level type aliases: ``X = <expr>``, ``X: TypeAlias = <expr>`` and ``type X = <expr>``."""
    out: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None \
                and "TypeAlias" in ast.unparse(node.annotation):
            out[node.target.id] = node.value
        elif type(node).__name__ == "TypeAlias":  # ``type X = ...`` (Python 3.12)
            name = getattr(node, "name", None)
            if isinstance(name, ast.Name):
                out[name.id] = getattr(node, "value", name)
    return out


def _any_aliases() -> dict[str, set[str]]:
    """Module -> the type aliases it defines or imports from the project whose value contains Any."""
    local = {m: _alias_values(TREES[f]) for m, f in MODULES.items()}
    found: dict[str, set[str]] = {m: set() for m in MODULES}
    for _ in range(5):  # aliases of aliases, across modules
        for m, f in MODULES.items():
            tree, names = TREES[f], _any_names(TREES[f])
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module in found:
                    found[m] |= {a.asname or a.name for a in node.names if a.name in found[node.module]}
            for name, value in local[m].items():
                if isinstance(value, ast.Name) and value.id in names:
                    found[m].add(name)
                elif not isinstance(value, ast.Constant) and _mentions(value, names, found[m] - {name}) \
                        and not isinstance(value, ast.Call):
                    found[m].add(name)
    return found


ALIASES = _any_aliases()


def _public_signatures(path: Path) -> list[tuple[str, int, str]]:
    """(qualified name, line, what holds Any) of every public signature or class field with Any."""
    tree = TREES[path]
    names, aliases = _any_names(tree), ALIASES[_module_name(path)]
    out = []

    def check_function(fn: ast.FunctionDef | ast.AsyncFunctionDef, qual: str) -> None:
        a = fn.args
        params = [*a.posonlyargs, *a.args, *a.kwonlyargs, *(x for x in (a.vararg, a.kwarg) if x is not None)]
        bad = [p.arg for p in params if _mentions(p.annotation, names, aliases)]
        if bad:
            out.append((qual, fn.lineno, f"parameter(s) {', '.join(bad)}"))
        if _mentions(fn.returns, names, aliases):
            out.append((qual, fn.lineno, "return"))

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
            check_function(node, node.name)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and not item.name.startswith("_"):
                    check_function(item, f"{node.name}.{item.name}")
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) \
                        and not item.target.id.startswith("_") and _mentions(item.annotation, names, aliases):
                    out.append((f"{node.name}.{item.target.id}", item.lineno, "field"))
    return out


def _offenders(top: str) -> dict[str, tuple[int, str]]:
    """``file:qualified name`` -> (line, what) for every public signature with Any under ``top``."""
    found: dict[str, tuple[int, str]] = {}
    for f in FILES:
        rel = f.relative_to(ROOT).as_posix()
        if rel.split("/")[0] != top:
            continue
        for qual, line, what in _public_signatures(f):
            key = f"{rel}:{qual}"
            found.setdefault(key, (line, what))
    return found


def _lines(found: dict[str, tuple[int, str]]) -> str:
    return "\n".join(f"{k.split(':')[0]}:{line}: {k.split(':')[1]} ({what})" for k, (line, what) in sorted(found.items()))


def test_no_public_signature_of_model_holds_any() -> None:
    found = _offenders("model")
    assert not found, "Any in public signatures of model/ (type them: object, a TypedDict, a Protocol ...):\n" + \
        _lines(found)


def test_no_new_public_signature_of_calibration_holds_any() -> None:
    found = _offenders("calibration")
    new = {k: v for k, v in found.items() if k not in CALIBRATION_DEBT}
    assert not new, "new Any in public signatures of calibration/:\n" + _lines(new)


def test_the_calibration_debt_list_only_names_signatures_that_still_hold_any() -> None:
    paid = sorted(CALIBRATION_DEBT - set(_offenders("calibration")))
    assert not paid, f"no longer hold Any (remove them from CALIBRATION_DEBT): {', '.join(paid)}"


@pytest.mark.parametrize(("source", "expected"), [
    ("from typing import Any\ndef f(x: Any) -> int: ...\n", [("f", 2, "parameter(s) x")]),
    ("from typing import Any\ndef f(*a: int, **k: Any) -> None: ...\n", [("f", 2, "parameter(s) k")]),
    ("import typing\ndef f() -> dict[str, typing.Any]: ...\n", [("f", 2, "return")]),
    ("from typing import Any as A\ndef f(x: 'list[A]') -> None: ...\n", [("f", 2, "parameter(s) x")]),
    ("from typing import Any\nRow = dict[str, Any]\ndef f(r: Row) -> None: ...\n", [("f", 3, "parameter(s) r")]),
    ("from typing import Any\nclass C:\n    x: Any\n    def m(self) -> Any: ...\n",
     [("C.x", 3, "field"), ("C.m", 4, "return")]),
    ("from typing import Any\ndef _f(x: Any) -> Any: ...\nclass _C:\n    def m(self, x: Any) -> None: ...\n", []),
    ("from typing import Any\ndef f(x: object) -> None:\n    y: Any = x\n", []),
])
def test_the_check_sees_any_where_it_hides(tmp_path: Path, source: str, expected: list[tuple[str, int, str]]) -> None:
    f = ROOT / "model" / "_probe_for_any_test.py"
    tree = ast.parse(source)
    TREES[f] = tree
    ALIASES[_module_name(f)] = {n for n, v in _alias_values(tree).items() if _mentions(v, _any_names(tree), set())}
    try:
        assert _public_signatures(f) == expected
    finally:
        TREES.pop(f)
        ALIASES.pop(_module_name(f))
