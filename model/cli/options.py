"""The parsed command line as one frozen, typed value per command, built once at the CLI's edge.

:func:`from_namespace` is the only reader of argparse's namespace: :func:`expressim.model.cli.program.main`
calls it right after ``parse_args`` and hands the value to the command's handler.  Nothing changes an
options value afterwards (they are frozen; ``run --check-manifest`` makes another with
:func:`dataclasses.replace`).  What a command wants the user to read besides its result is collected
in a :class:`Warnings` value the CLI prints once the command has succeeded.

Every option a subparser defines must be a field of its command's class: :func:`from_namespace`
refuses a namespace holding an option no field takes (``tests/test_cli_options.py`` builds every
command's options from its parser).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

__all__ = [
    "COMMAND_OPTIONS", "CalibrateOptions", "CompareOptions", "DataOptions", "ForecastOptions", "MonitorOptions",
    "Options", "RunOptions", "ScenarioOptions", "SensitivityOptions", "ValidateOptions", "Warnings", "data_note",
    "data_paths", "from_namespace",
]


@dataclass(frozen=True, kw_only=True)
class Options:
    """What every command takes: its name, the command line as given, and how much to print."""

    command: str
    #: the command line as given, ``expressim`` first (recorded in manifests)
    argv: tuple[str, ...] = ()
    quiet: bool = False
    verbose: bool = False
    debug: bool = False


@dataclass(frozen=True, kw_only=True)
class DataOptions(Options):
    """``--data`` (observation CSVs or folders, None: the shipped data), ``--until`` and ``--strict``.

    ``--add`` (files or folders) adds to what would be read without it: ``--data`` when given, else a
    scenario's ``calibration.data``, else the shipped data. ``data`` and ``add`` keep what was typed;
    :attr:`paths` is the list a command without a scenario reads,
    :func:`expressim.model.cli.context.scenario_data` a scenario's.
    """

    data: tuple[str, ...] | None = None
    add: tuple[str, ...] | None = None
    until: str | None = None
    strict: bool = False

    @property
    def paths(self) -> tuple[str, ...] | None:
        """The observation paths read without a scenario: ``--data`` (or the shipped folder) then ``--add``;
        None when neither is given (the shipped data)."""
        return data_paths(self.data, self.add)


@dataclass(frozen=True, kw_only=True)
class ValidateOptions(DataOptions):
    """``expressim validate``: the scenario files (checked against the shipped data: no ``--data``)."""

    scenarios: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class CalibrateOptions(DataOptions):
    """``expressim calibrate``."""

    region: str | None = None
    out: str | None = None
    force: bool = False


@dataclass(frozen=True, kw_only=True)
class ForecastOptions(DataOptions):
    """``expressim forecast``."""

    geography: str
    indicator: str
    period: str
    region: str | None = None
    json: bool = False
    draws: int = 20000
    seed: int = 0


@dataclass(frozen=True, kw_only=True)
class ScenarioOptions(DataOptions):
    """What every command that simulates a scenario takes (``run``, ``compare``, ``monitor``, ``sensitivity``)."""

    out: str | None = None
    #: ``--replications``/``--seed``: None keeps the scenario's own
    replications: int | None = None
    seed: int | None = None
    workers: int = 1
    force: bool = False
    #: ``--lang``: None takes the region pack's language
    lang: str | None = None
    #: ``--progress``: None takes the scenario's ``progress:``
    progress: str | None = None


@dataclass(frozen=True, kw_only=True)
class RunOptions(ScenarioOptions):
    """``expressim run`` (``scenario`` is None with ``--check-manifest``)."""

    scenario: str | None = None
    check_manifest: str | None = None


@dataclass(frozen=True, kw_only=True)
class CompareOptions(ScenarioOptions):
    """``expressim compare`` and ``compare --latest-opening``."""

    scenarios: tuple[str, ...]
    latest_opening: str | None = None
    target: str | None = None
    probability: float = 0.8


@dataclass(frozen=True, kw_only=True)
class MonitorOptions(ScenarioOptions):
    """``expressim monitor`` (no ``--until``: each as-of date is the cut)."""

    scenario: str
    as_of: tuple[str, ...] | None = None
    every: str | None = None
    from_: str | None = None
    to: str | None = None


@dataclass(frozen=True, kw_only=True)
class SensitivityOptions(ScenarioOptions):
    """``expressim sensitivity`` (no ``--progress``)."""

    scenario: str
    method: str = "sobol"
    samples: int = 256
    #: ``--target`` (repeatable): None analyses the headline targets
    target: tuple[str, ...] | None = None
    #: how rollout phases are grouped into factors (no option yet: by project kind)
    rollout_groups: str = "kind"


#: command -> the class of its options
COMMAND_OPTIONS: dict[str, type[Options]] = {
    "validate": ValidateOptions, "calibrate": CalibrateOptions, "forecast": ForecastOptions, "run": RunOptions,
    "compare": CompareOptions, "monitor": MonitorOptions, "sensitivity": SensitivityOptions,
}


def from_namespace(namespace: argparse.Namespace, argv: Sequence[str] = ()) -> Options:
    """The command's options from what ``parse_args`` returned (lists become tuples).

    ``argv`` is the command line after the program name; the value records ``("expressim", *argv)``.

    Raises
    ------
    TypeError
        The namespace holds an option the command's class has no field for (a parser option added
        without its field: a bug, not a user error).
    """
    given = dict(vars(namespace))
    cls = COMMAND_OPTIONS[given["command"]]
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(given) - known)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field for the option(s) {', '.join(unknown)}; "
                        f"add them to expressim.model.cli.options")
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in given.items()}
    return cls(**values, argv=("expressim", *argv))


def _shipped() -> str:
    from expressim.calibration.observations import default_data_dir

    return str(default_data_dir())


def data_paths(data: Sequence[str] | None, add: Sequence[str] | None,
               base: Sequence[str] | None = None) -> tuple[str, ...] | None:
    """The observation paths of ``--data`` and ``--add``: ``--data`` (None: ``base``, else the shipped folder,
    when something is added) followed by ``--add``, each path once (paths that resolve to the same file or
    folder -- typed relative, absolute, through a link or with ``~`` -- count once, the first spelling kept);
    when neither is given, ``base`` (a scenario's ``calibration.data``) or None (the shipped data)."""
    if not data and not add:
        return tuple(base) if base else None
    seen: set[str] = set()
    out: list[str] = []
    for p in [*(data or base or [_shipped()]), *(add or ())]:
        try:
            key = str(Path(p).expanduser().resolve())
        except (OSError, RuntimeError, ValueError):
            key = p
        if key not in seen:
            seen.add(key)
            out.append(p)
    return tuple(out)


def data_note(args: Options) -> str | None:
    """The note ``--data`` without the shipped folder earns: it replaced the shipped data; ``--add`` adds."""
    if not isinstance(args, DataOptions) or not args.data or args.add:
        return None
    shipped = Path(_shipped()).resolve()
    try:
        given = {Path(p).expanduser().resolve() for p in args.data}
    except (OSError, RuntimeError, ValueError):
        return None
    if shipped in given:
        return None
    return (f"--data replaced the shipped data ({shipped}) with {len(args.data)} path(s); to add a file to the "
            f"shipped data instead, give it with --add FILE (or add --data {shipped})")


class Warnings:
    """The warnings a command raised for the user, in order, each once; printed on stderr when it succeeds.

    Passed explicitly to the handler and the shared steps that may warn
    (:mod:`expressim.model.cli.context`); nothing else holds them.
    """

    def __init__(self) -> None:
        self._messages: list[str] = []
        self._notes: list[str] = []

    def note(self, message: str) -> None:
        """Queue a note: not a problem, a reminder of what an option did (printed as ``expressim: note:``)."""
        if message not in self._notes:
            self._notes.append(message)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(self._notes)

    def add(self, message: str) -> None:
        """Queue ``message`` (a repeated message is not queued again)."""
        if message not in self._messages:
            self._messages.append(message)

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._messages))

    def __len__(self) -> int:
        return len(self._messages)

    def __repr__(self) -> str:
        return f"Warnings({self._messages!r})"
