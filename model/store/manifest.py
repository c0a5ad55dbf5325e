"""Run manifests: what produced an output (inputs' hashes, versions, seed, command, git revision)."""

from __future__ import annotations

import datetime as _dt
import platform
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from expressim.model.spec.validation_messages import FieldProblem, first_error, show
from expressim.model.store.folders import OutputError, file_sha256

PACKAGES = ("expressim", "numpy", "scipy", "pandas", "statsmodels", "simpy", "matplotlib", "pydantic",
            "PyYAML", "SALib", "tqdm")


def versions() -> dict[str, str]:
    """Installed versions of the packages that shape results."""
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def git_revision(where: Path | None = None) -> str | None:
    """The git commit of the working tree (with ``-dirty``), or None outside a checkout."""
    try:
        cwd = where or Path(__file__).resolve().parent
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def build(*, command: Sequence[str], seed: int | None, data_files: Iterable[str | Path] = (),
          inputs: Iterable[str | Path] = (), extra: Mapping[str, object] | None = None) -> dict[str, object]:
    """A manifest dictionary.

    Parameters
    ----------
    command : sequence of str
        The command line.
    seed : int or None
        Root seed of the run.
    data_files, inputs : iterables of path
        Observation files and other inputs (scenario files), each hashed (SHA-256).
    """
    return {
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": list(command),
        "seed": seed,
        "inputs": {str(p): file_sha256(p) for p in inputs},
        "data_files": {str(p): file_sha256(p) for p in data_files},
        "versions": versions(),
        "git_revision": git_revision(),
        "platform": platform.platform(),
        **(extra or {}),
    }


def file_hashes(manifest: Mapping[str, object], key: str = "data_files") -> dict[str, str]:
    """The ``path -> sha256`` table a manifest recorded under ``key`` (``data_files`` or ``inputs``)."""
    table = manifest.get(key)
    if not isinstance(table, Mapping):
        return {}
    return {str(k): str(v) for k, v in table.items()}


# ---- reading a run manifest back (``run --check-manifest``) -----------------------------------------

#: largest manifest.json read back [bytes] (a run's manifest is a few kilobytes)
MAX_MANIFEST_BYTES = 4 * 2**20


def _sha256_hex(v: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", v):
        raise ValueError(f"expected a SHA-256 digest (64 hexadecimal digits), got {show(v)}")
    return v


def _path_text(v: str) -> str:
    if not v or re.search(r"[\x00-\x1f\x7f]", v):
        raise ValueError(f"expected a file path (non-empty, no control characters), got {show(v)}")
    return v


Sha256 = Annotated[str, AfterValidator(_sha256_hex)]
PathText = Annotated[str, AfterValidator(_path_text)]


class RunManifest(BaseModel):
    """The fields of a run's ``manifest.json`` that ``--check-manifest`` reruns (strict JSON types).

    Other recorded keys (command, versions of the platform, timing) are kept but not checked.
    """

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)

    kind: str = "run"
    scenario_file: PathText
    replications: int = Field(ge=1)
    seed: int = Field(ge=0)
    results_sha256: Sha256
    inputs: dict[PathText, Sha256]
    data_files: dict[PathText, Sha256] = Field(default_factory=dict)
    cwd: PathText | None = None
    data_args: list[PathText] | None = None
    until_arg: Annotated[str, Field(max_length=40)] | None = None
    progress_file: PathText | None = None
    versions: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _recorded_inputs(self) -> RunManifest:
        """The scenario and the progress file rerun must be inputs whose hashes were recorded."""
        for key in ("scenario_file", "progress_file"):
            value = getattr(self, key)
            if value is not None and value not in self.inputs:
                raise FieldProblem(key, f"{show(value)} is not among the recorded inputs; expected one of "
                                        f"{', '.join(map(show, self.inputs)) or '(none recorded)'}")
        return self


def read_run_manifest(folder: str | Path) -> RunManifest:
    """Read and check ``folder/manifest.json`` (only a regular file, at most :data:`MAX_MANIFEST_BYTES`).

    Raises
    ------
    OutputError
        ``folder/manifest.json: field: what was expected, what was found`` (one line): not a
        regular file, too large, not UTF-8 JSON, not an object, a manifest of another command,
        or a field of the wrong type or range.
    """
    import json

    from expressim.calibration.text import FileReadError, read_regular

    f = Path(folder) / "manifest.json"
    try:
        raw = read_regular(f, MAX_MANIFEST_BYTES)
    except FileReadError as exc:
        raise OutputError(f"{f}: {exc}; expected the manifest.json of an expressim run folder") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise OutputError(f"{f}: byte {exc.start}: expected UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise OutputError(f"{f}: line {exc.lineno} column {exc.colno}: expected JSON ({exc.msg})") from None
    except RecursionError:
        raise OutputError(f"{f}: nested too deeply; expected the manifest.json of an expressim run") from None
    if not isinstance(data, dict):
        raise OutputError(f"{f}: (top level): expected a JSON object, got {show(data)}")
    if data.get("kind", "run") != "run":
        raise OutputError(f"{f}: kind: a {show(data.get('kind'))} manifest; expected one written by expressim run")
    try:
        return RunManifest.model_validate(data)
    except ValidationError as exc:
        place, message, _ = first_error(exc, RunManifest)
        message = message.replace("a mapping (key: value lines)", "a JSON object").replace("a list of", "a JSON list of")
        raise OutputError(f"{f}: {place}: {message}") from None
