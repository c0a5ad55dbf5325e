"""``expressim forecast``: the distribution of one window of one series."""

from __future__ import annotations

from expressim.model.cli import context
from expressim.model.cli.options import ForecastOptions, Warnings
from expressim.model.cli.reach import check_period_reach


def cmd_forecast(args: ForecastOptions, warned: Warnings) -> dict[str, object] | str:
    """``expressim forecast``: one window's distribution (``--json``: the contracted shape)."""
    from expressim.calibration.window_forecast import forecast
    from expressim.model.spec.regions import pack_for_geography

    pack = pack_for_geography(args.geography, args.region)
    obs = context.load_observations(args, warned, pack.file or None)
    context.memory_forecast(args, check_period_reach(obs, args.period, until=args.until, data=args.paths,
                                                     levels=pack.levels()))
    fitted = context.fitted_for(obs, pack=pack)
    for note in fitted.notes:
        if note.startswith("not used:"):
            warned.add(note)
    result = forecast(fitted, args.geography, args.indicator, args.period, n=args.draws, seed=args.seed)
    if args.json:
        return dict(result)
    q = result["quantiles"]
    unit = result["unit"]
    scale, label = (1e8, "亿" + unit) if unit in ("件", "元") else (1.0, unit)
    return (f"{result['geography']} {result['indicator']} {result['period']}: median {q['0.5'] / scale:,.2f} {label}, "
            f"80% interval {q['0.1'] / scale:,.2f} - {q['0.9'] / scale:,.2f}, "
            f"90% interval {q['0.05'] / scale:,.2f} - {q['0.95'] / scale:,.2f}\n  ({result['basis']})")
