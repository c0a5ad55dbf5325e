"""The floors of docs/architecture.md hold: each package imports only the floors below it.

Reads every module's syntax tree (imports inside functions and ``TYPE_CHECKING`` blocks
included), so a cycle hidden by a lazy import fails here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import ROOT

#: floor of each package (higher floors may import lower ones; equal floors of different packages may not)
FLOORS = {
    "expressim.model.cli": 6,
    "expressim.model.viz": 5,
    "expressim.model.store": 5,
    "expressim.model.analysis": 4,
    "expressim.model.engine.oracle": 3.5,
    "expressim.model.engine": 3,
    "expressim.model.spec": 2,
    "expressim.calibration": 1,
}
#: third-party modules only one package may import
ONLY_IN = {"argparse": "expressim.model.cli", "matplotlib": "expressim.model.viz"}


def _modules() -> dict[str, Path]:
    out = {}
    for top in ("model", "calibration"):
        for f in sorted((ROOT / top).rglob("*.py")):
            parts = list(f.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out["expressim." + ".".join(parts)] = f
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports (absolute names), with the line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.append((sub if sub in MODULES else base, node.lineno))
    return found


def _package(name: str) -> str | None:
    """The floor package holding ``name`` (the most specific one), None for the top of model."""
    best = None
    for p in FLOORS:
        if (name == p or name.startswith(p + ".")) and (best is None or len(p) > len(best)):
            best = p
    return best


def _floor(name: str) -> float:
    p = _package(name)
    return FLOORS[p] if p else 7  # expressim.model and its __main__ sit above the CLI


def test_every_module_belongs_to_a_floor() -> None:
    loose = [m for m in MODULES if _package(m) is None and m not in ("expressim.model", "expressim.model.__main__")]
    assert loose == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_only_go_down(name: str) -> None:
    here, mine = _floor(name), _package(name)
    bad = []
    for target, line in _imports(name, MODULES[name]):
        top = target.split(".")[0]
        if top in ONLY_IN and mine != ONLY_IN[top]:
            bad.append(f"line {line}: {target} (only {ONLY_IN[top]} may import it)")
        if not target.startswith("expressim."):
            continue
        theirs = _package(target)
        if target == "expressim.model" or theirs is None:
            if target != "expressim":
                bad.append(f"line {line}: {target} (the top of the house)")
            continue
        if theirs != mine and _floor(target) >= here:
            bad.append(f"line {line}: {target} (floor {_floor(target)} from floor {here})")
    assert bad == [], f"{name}: " + "; ".join(bad)


def test_no_import_cycles() -> None:
    graph = {m: {t for t, _ in _imports(m, p) if t in MODULES and t != m} for m, p in MODULES.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                return stack[stack.index(t):] + [t]
            if t not in state and (cycle := visit(t)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (cycle := visit(m)):
            pytest.fail("import cycle: " + " -> ".join(cycle))


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from expressim.model.cli import context\n    import matplotlib\n", encoding="utf-8")
    assert [t for t, _ in _imports("expressim.model.engine.m", f)] == ["expressim.model.cli.context", "matplotlib"]
