"""The parsed command line is one frozen, typed value per command, built at the CLI's edge.

Every option a subparser defines is a field of its command's options class; nothing reads an argparse
namespace past :func:`expressim.model.cli.options.from_namespace`, and nothing writes into the options.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses

import pytest
from helpers import ROOT

from expressim.model.cli.options import (
    COMMAND_OPTIONS,
    CompareOptions,
    ForecastOptions,
    RunOptions,
    ScenarioOptions,
    Warnings,
    from_namespace,
)
from expressim.model.cli.program import build_parser, parse_options

#: a command line of each command, every option given (so every dest of its subparser is in the namespace)
EVERY_OPTION = {
    "validate": ["validate", "a.yaml", "b.yaml", "--debug", "-q"],
    "calibrate": ["calibrate", "--data", "d1", "--data", "d2", "--until", "2023", "--strict", "--region", "bijie",
                  "--out", "o", "--force", "-v"],
    "forecast": ["forecast", "--geography", "G", "--indicator", "express_volume", "--region", "bijie", "--period",
                 "2025", "--json", "--draws", "500", "--seed", "3", "--data", "d", "--until", "2024", "--strict"],
    "run": ["run", "s.yaml", "--check-manifest", "m", "--out", "o", "--replications", "5", "--seed", "2",
            "--workers", "2", "--force", "--data", "d", "--until", "2024", "--strict", "--lang", "en",
            "--progress", "p.csv"],
    "compare": ["compare", "a.yaml", "b.yaml", "--latest-opening", "all", "--target", "t", "--probability", "0.7",
                "--out", "o", "--replications", "5", "--seed", "2", "--workers", "2", "--force", "--data", "d",
                "--until", "2024", "--strict", "--lang", "zh", "--progress", "p.csv"],
    "monitor": ["monitor", "s.yaml", "--as-of", "2024-06", "2024-12", "--every", "quarter", "--from", "2024-01",
                "--to", "2024-12", "--out", "o", "--replications", "5", "--seed", "2", "--workers", "2", "--force",
                "--data", "d", "--strict", "--progress", "p.csv", "--lang", "en"],
    "sensitivity": ["sensitivity", "s.yaml", "--method", "morris", "--samples", "8", "--target", "a", "--target",
                    "b", "--out", "o", "--replications", "5", "--seed", "2", "--workers", "2", "--force", "--data",
                    "d", "--until", "2024", "--strict", "--lang", "en"],
}


def test_every_command_has_a_class_and_a_full_command_line_here() -> None:
    assert set(EVERY_OPTION) == set(COMMAND_OPTIONS)


@pytest.mark.parametrize("command", sorted(EVERY_OPTION))
def test_every_option_of_every_command_becomes_a_field(command: str) -> None:
    argv = EVERY_OPTION[command]
    namespace = build_parser().parse_args(argv)
    opts = from_namespace(namespace, argv)
    assert type(opts) is COMMAND_OPTIONS[command]
    assert opts.argv == ("expressim", *argv)
    for name, value in vars(namespace).items():
        got = getattr(opts, name)
        assert got == (tuple(value) if isinstance(value, list) else value), name
        assert not isinstance(got, list), f"{name}: a list in a frozen value"


def test_an_option_without_a_field_is_a_bug_named_at_once() -> None:
    namespace = argparse.Namespace(**vars(build_parser().parse_args(["calibrate"])), added="x")
    with pytest.raises(TypeError, match="CalibrateOptions has no field for the option.*added"):
        from_namespace(namespace)


def test_options_are_frozen_and_a_changed_copy_is_another_value() -> None:
    opts = parse_options(["run", "s.yaml", "--replications", "5"])
    assert isinstance(opts, RunOptions)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.replications = 6  # type: ignore[misc]
    other = dataclasses.replace(opts, replications=None, data=("d.csv",))
    assert (opts.replications, opts.data) == (5, None) and (other.replications, other.data) == (None, ("d.csv",))


def test_defaults_match_the_parser() -> None:
    opts = parse_options(["forecast", "--geography", "G", "--indicator", "express_volume", "--period", "2025"])
    assert isinstance(opts, ForecastOptions)
    assert ForecastOptions(command="forecast", geography="G", indicator="express_volume", period="2025",
                           argv=opts.argv) == opts
    cmp = parse_options(["compare", "a.yaml"])
    assert isinstance(cmp, CompareOptions) and isinstance(cmp, ScenarioOptions)
    assert CompareOptions(command="compare", scenarios=("a.yaml",), argv=cmp.argv) == cmp


def test_warnings_keep_order_and_say_each_once() -> None:
    w = Warnings()
    for m in ("b", "a", "b"):
        w.add(m)
    assert list(w) == ["b", "a"] and len(w) == 2


def test_no_module_of_the_cli_reads_an_argparse_namespace_past_the_edge() -> None:
    """``argparse.Namespace`` appears only where the parser is built and read once (program, options)."""
    edge = {"program.py", "options.py", "lang.py"}  # lang.py adds --lang to a parser
    found = []
    for f in sorted((ROOT / "model" / "cli").glob("*.py")):
        if f.name in edge:
            continue
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "Namespace":
                found.append(f"{f.name}:{node.lineno}")
            if (isinstance(node, ast.Import) and any(a.name == "argparse" for a in node.names)) or (
                    isinstance(node, ast.ImportFrom) and node.module == "argparse"):
                found.append(f"{f.name}:{node.lineno} imports argparse")
    assert not found, found


def test_no_handler_writes_into_its_options() -> None:
    """No assignment to an attribute of ``args`` (or ``setattr(args, ...)``) anywhere in the CLI."""
    found = []
    for f in sorted((ROOT / "model" / "cli").glob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AugAssign | ast.AnnAssign) else []
            for t in targets:
                for sub in ast.walk(t):
                    if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in (
                            "args", "opts", "options"):
                        found.append(f"{f.name}:{node.lineno}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" and (
                    node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in ("args", "opts")):
                found.append(f"{f.name}:{node.lineno} setattr")
    assert not found, found
