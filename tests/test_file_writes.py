"""Files are written only by the store (and the figures and reports viz draws into the store's folder):
no module of ``calibration/`` or of the model's cli, spec, engine and analysis floors calls a function that
writes, moves or removes a file (issue 19, "one home for outputs").

Reads every module's syntax tree and fails naming ``file:line`` and the call.  The one exception is the
CLI's process environment (``model/cli/environment.py``): a private matplotlib cache folder and
``os.devnull`` for closed standard streams, no user file.
"""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

CHECKED = ("calibration", "model/cli", "model/spec", "model/engine", "model/analysis")
ALLOWED = {"model/cli/environment.py"}
#: methods whose call writes, moves or removes a file whatever the object (pathlib, pandas, matplotlib, openpyxl)
WRITING_METHODS = {"write_text", "write_bytes", "to_csv", "to_excel", "to_parquet", "savefig", "mkdir",
                   "touch", "unlink", "rmdir", "symlink_to", "hardlink_to", "rename"}
#: module-level functions that write: (module, function)
WRITING_FUNCTIONS = {("json", "dump"), ("np", "save"), ("np", "savetxt"), ("numpy", "save"), ("pickle", "dump"),
                     ("yaml", "dump"), ("yaml", "safe_dump"), ("os", "remove"), ("os", "rename"), ("os", "replace"),
                     ("os", "makedirs"), ("os", "mkdir"), ("shutil", "copy"), ("shutil", "copy2"),
                     ("shutil", "copyfile"), ("shutil", "copytree"), ("shutil", "move"), ("shutil", "rmtree")}


def _open_mode(call: ast.Call) -> str | None:
    """The mode of a builtin ``open`` call or a ``Path.open`` call, when given as a literal."""
    mode = next((k.value for k in call.keywords if k.arg == "mode"), None)
    args = call.args[1:] if isinstance(call.func, ast.Name) else call.args
    if mode is None and args:
        mode = args[0]
    return mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else None


def _writes(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Attribute):
        if f.attr in WRITING_METHODS:
            return f".{f.attr}()"
        if isinstance(f.value, ast.Name) and (f.value.id, f.attr) in WRITING_FUNCTIONS:
            return f"{f.value.id}.{f.attr}()"
        if f.attr == "open" and set(_open_mode(call) or "") & set("wax+"):
            return f".open({_open_mode(call)!r})"
    if isinstance(f, ast.Name) and f.id == "open" and set(_open_mode(call) or "") & set("wax+"):
        return f"open(..., {_open_mode(call)!r})"
    return None


def _hits() -> list[str]:
    out = []
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ALLOWED:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), rel)):
                if isinstance(node, ast.Call) and (what := _writes(node)):
                    out.append(f"{rel}:{node.lineno}: {what}")
    return out


def test_only_the_store_writes_files() -> None:
    hits = _hits()
    assert not hits, "file writes outside model/store and model/viz:\n" + "\n".join(hits)


def test_the_check_finds_a_write(tmp_path: Path) -> None:
    """The detector itself: each kind of write it looks for is found in a snippet."""
    snippets = ["p.write_text('x')", "df.to_csv(p)", "open(p, 'w')", "open(p, mode='ab')", "p.open('w')",
                "json.dump(d, fh)", "shutil.copy(a, b)", "os.replace(a, b)", "fig.savefig(p)"]
    for s in snippets:
        call = ast.parse(s).body[0].value  # type: ignore[attr-defined]
        assert _writes(call), s
    for s in ["open(p)", "open(p, 'rb')", "p.read_text()", "json.dumps(d)", "s.replace('a', 'b')"]:
        call = ast.parse(s).body[0].value  # type: ignore[attr-defined]
        assert _writes(call) is None, s
