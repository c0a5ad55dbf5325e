"""Adding a file to the shipped data (issue 20): ``--add CSV|DIR`` (repeatable) on every command that takes
``--data`` means the shipped data plus these; ``--data`` keeps its contracted meaning (replace, DESIGN §6) and,
given without the shipped folder, says so in one note line on stderr; a path given twice counts once."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="expressim-mpl-"))  # no cache in $HOME

import pytest  # noqa: E402
from helpers import ROOT, cli  # noqa: E402

from expressim.calibration.observations import default_data_dir, expand_paths, load  # noqa: E402
from expressim.model.cli.options import DataOptions, data_note  # noqa: E402
from expressim.model.cli.program import build_parser, parse_options  # noqa: E402

HEADER = "geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"
SHIPPED = default_data_dir()
PLAN = ROOT / "scenarios" / "plan.yaml"
#: every command taking --data, with the arguments it needs besides
COMMANDS = {"calibrate": [], "forecast": ["--geography", "Bijie", "--indicator", "express_volume", "--period", "2025"],
            "run": [str(PLAN)], "compare": [str(PLAN), str(PLAN)], "monitor": [str(PLAN), "--as-of", "2025-12"],
            "sensitivity": [str(PLAN)]}


def _mine(tmp: Path, value: str = "3.2", name: str = "mine.csv") -> Path:
    p = tmp / name
    p.write_text(HEADER + f"Bijie(毕节市),express_volume_inout(快递进出口业务量),2024,{value},亿件,,,\n", encoding="utf-8")
    return p


def test_every_command_that_takes_data_takes_add() -> None:
    sub = next(a for a in build_parser()._subparsers._group_actions)  # type: ignore[union-attr]
    with_data = {name for name, p in sub.choices.items() if any("--data" in a.option_strings for a in p._actions)}
    assert with_data == set(COMMANDS)
    for name in with_data:
        assert any("--add" in a.option_strings for a in sub.choices[name]._actions), name


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_add_is_the_shipped_data_plus_the_file(tmp_path: Path, command: str) -> None:
    f = _mine(tmp_path)
    opts = parse_options([command, *COMMANDS[command], "--add", str(f)])
    assert isinstance(opts, DataOptions) and opts.paths == (str(SHIPPED), str(f)) and data_note(opts) is None
    opts = parse_options([command, *COMMANDS[command], "--data", str(f), "--add", str(f)])  # --data, then --add
    assert opts.paths == (str(f),)
    assert parse_options([command, *COMMANDS[command]]).paths is None  # neither: the scenario's or the shipped data


def test_a_path_given_twice_counts_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = _mine(tmp_path)
    monkeypatch.chdir(tmp_path)
    opts = parse_options(["calibrate", "--add", str(f), "--add", "mine.csv", "--add", f"./sub/../{f.name}",
                          "--add", str(SHIPPED)])
    assert opts.paths == (str(SHIPPED), str(f))
    # a file inside a folder also named is read once
    files = expand_paths([SHIPPED, SHIPPED / "observations.csv", f, f])
    assert len(files) == len(set(files)) == len(expand_paths([SHIPPED])) + 1


def test_data_without_the_shipped_folder_says_it_replaced_it(tmp_path: Path) -> None:
    f = _mine(tmp_path)
    rc, _, err = cli("calibrate", "--data", str(f), "--data", str(SHIPPED / "observations.csv"),
                     "--out", str(tmp_path / "a"))
    assert rc == 0, err
    notes = [ln for ln in err.splitlines() if ln.startswith("expressim: note: --data")]
    assert len(notes) == 1 and "replaced the shipped data" in notes[0] and "--add" in notes[0]
    for args in (["--add", str(f)], ["--data", str(SHIPPED), "--data", str(f)]):  # adding: no note
        rc, _, err = cli("calibrate", *args, "--out", str(tmp_path / f"b{len(args)}{args[0]}"))
        assert rc == 0, err
        assert "expressim: note: --data" not in err
    rc, _, err = cli("-q", "calibrate", "--data", str(f), "--data", str(SHIPPED / "observations.csv"),
                     "--out", str(tmp_path / "q"))
    assert rc == 0 and err == ""  # -q: only errors


def test_an_added_file_moves_its_series_and_leaves_the_shipped_ones(tmp_path: Path) -> None:
    def median(*args: str, geography: str = "Bijie", indicator: str = "express_volume_inout") -> float:
        rc, out, err = cli("forecast", "--geography", geography, "--indicator", indicator, "--period", "2024",
                           "--json", "--draws", "2000", *args)
        assert rc == 0, err
        return float(json.loads(out)["quantiles"]["0.5"])

    low, high = _mine(tmp_path, "3.2", "low.csv"), _mine(tmp_path, "4.0", "high.csv")
    assert median("--add", str(low)) == pytest.approx(3.2e8, rel=0.03)
    assert median("--add", str(high)) == pytest.approx(4.0e8, rel=0.03)
    national = median(geography="China", indicator="express_volume")
    assert median("--add", str(high), geography="China", indicator="express_volume") == pytest.approx(national, rel=0.01)
    # the same file with --data alone replaces the national series the shipped data hold
    obs = load([high])
    assert {o.geography for o in obs.observations} == {"Bijie"}


def test_add_keeps_a_scenarios_own_data(tmp_path: Path) -> None:
    """A scenario naming its own ``calibration.data`` reads that plus ``--add`` (not the shipped data plus it),
    and the run's manifest records the list it read, so ``run --check-manifest`` reruns the same data."""
    from expressim.model.cli import context
    from expressim.model.spec.scenario import load as load_scenario

    own = tmp_path / "own"
    own.mkdir()
    for f in SHIPPED.glob("*.csv"):
        (own / f.name).write_bytes(f.read_bytes())
    text = PLAN.read_text(encoding="utf-8")
    scn_file = tmp_path / "mine.yaml"
    scn_file.write_text(text + f"\ncalibration:\n  data: [{own}]\n" if "\ncalibration:" not in text
                        else text.replace("\ncalibration:", f"\ncalibration:\n  data: [{own}]", 1), encoding="utf-8")
    f = _mine(tmp_path)
    scn = load_scenario(scn_file)
    opts = parse_options(["run", str(scn_file), "--add", str(f)])
    assert isinstance(opts, DataOptions)
    assert context.scenario_data(opts, scn, scn_file) == [str(own), str(f)]
    assert context.scenario_data(parse_options(["run", str(scn_file)]), scn, scn_file) == [str(own)]
    typed = parse_options(["run", str(scn_file), "--data", str(SHIPPED), "--add", str(f)])
    assert context.scenario_data(typed, scn, scn_file) == [str(SHIPPED), str(f)]  # --data replaces the scenario's
