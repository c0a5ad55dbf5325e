"""Variants of the national model on the rolling origin: the figures behind docs/backtest.md's variant table.

Each variant is the shipped calibration with one change: a register prior fixed or tightened,
or a small patch of one function (named in ``VARIANTS``).  Every variant is scored twice, on the
*selection* origins 2012-2014 (the only ones used to choose a method) and on the *scored* origins
2015-2022 of ``backtest_cli.py``.  The forecasts are made in-process by the same functions the
CLI calls (``observations.load`` with ``until``, ``fit.fit_all``, ``window_forecast.forecast`` with the
CLI's 20,000 draws and seed 0); for the shipped model this reproduces the CLI table to the digit.

    python benchmarks/backtest_variants.py                 # every variant (about 5 minutes)
    python benchmarks/backtest_variants.py base rho0       # some of them
    python benchmarks/backtest_variants.py --diagnostics   # the figures docs/backtest.md quotes beside it
    python benchmarks/backtest_variants.py --nested base omega05 irregular05 t8   # choose inside the origin

Columns: MAPE at h = 1/2/3 [%], the share of published values inside the 80% interval, and
the mean log score over all cells (negative log density of the published value under a normal
on the log scale with the forecast's median and the SD implied by its 80% interval; lower is
better).
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special

sys.path.insert(0, str(Path(__file__).resolve().parent))

import backtest_cli as cli  # noqa: E402

from expressim.calibration import assumptions as reg  # noqa: E402
from expressim.calibration import fit as fitmod  # noqa: E402
from expressim.calibration import (  # noqa: E402
    hierarchy,
    paths,
    slots,
    statespace,
    window_forecast,  # noqa: E402
)
from expressim.calibration.levels import Levels  # noqa: E402
from expressim.calibration.observations import load  # noqa: E402

SELECTION = range(2012, 2015)
SCORED = cli.ORIGINS
Z80 = 1.2815515655446004


def levels() -> Levels:
    """The default region pack's hierarchy (what the CLI calibrates)."""
    from expressim.model.spec.regions import default_pack, load_pack

    return load_pack(default_pack()).levels()


def _register(**changes: dict[str, float]) -> dict[str, dict[str, Any]]:
    r = copy.deepcopy(reg.load_register())
    for key, entry in changes.items():
        r[key].update(entry)
    return r


@contextmanager
def _patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


@contextmanager
def _patched_everywhere(pairs: list[tuple[Any, str]], value: Any) -> Iterator[None]:
    """Replace ``obj.name`` by ``value`` for every ``(obj, name)`` (a function imported by name in several modules)."""
    with ExitStack() as stack:
        for obj, name in pairs:
            stack.enter_context(_patched(obj, name, value))
        yield


def _transition(change: Callable[[np.ndarray, np.ndarray, np.ndarray], None]) -> Any:
    """The shipped transition with ``change(params, F, L)`` applied in place (estimation and simulation)."""
    original = statespace.system

    def system(params: np.ndarray, local_sigma: Any) -> Any:
        F, c, L = original(params, local_sigma)
        change(np.asarray(params), F, L)
        return F, c, L
    return _patched_everywhere([(statespace, "system"), (paths, "system")], system)


def drift_persistence(value: Callable[[np.ndarray], np.ndarray]) -> Any:
    """The revenue-per-parcel drift persistence set to ``value(phi)`` (former variants)."""
    def change(params: np.ndarray, F: np.ndarray, L: np.ndarray) -> None:
        for row, col in (("r", "rd"), ("rd", "rd")):
            F[..., statespace.IX[row], statespace.IX[col]] = value(params[..., 1])
    return _transition(change)


def _drift_correlation(rho: float) -> Any:
    """The revenue-per-parcel drift shock correlated ``rho`` with the growth shock (price wars that last)."""
    g, rd = statespace.SHOCKS.index("g"), statespace.SHOCKS.index("rd")

    def change(params: np.ndarray, F: np.ndarray, L: np.ndarray) -> None:
        L[..., statespace.IX["rd"], g] = rho * params[..., 5]
        L[..., statespace.IX["rd"], rd] = math.sqrt(1.0 - rho**2) * params[..., 5]
    return _transition(change)


def _irregular(sd: float) -> Any:
    """Add a transitory national deviation of SD ``sd`` [log] to every national window."""
    original = slots.window_var

    def window_var(share: float, level: str, month_sd: float, floors: Any) -> float:
        return original(share, level, month_sd, floors) + (sd**2 if level == "national" else 0.0)

    return _patched_everywhere([(slots, "window_var"), (fitmod, "window_var")], window_var)


def _student_t(nu: float) -> Any:
    """National level and growth shocks scaled by a common yearly factor: multivariate t with ``nu`` dof.

    Estimation by EM: the yearly variance multipliers ``λ_t = (ν + q_t) / (ν + 2)`` from the
    smoothed national disturbances (``q_t`` their expected squared standardised size) and the
    parameters by the shipped MAP step given them, six rounds; simulated future shocks draw
    ``λ = ν / χ²_ν`` per year and replication (an extra stream, so it is a benchmark only).
    """
    lam: dict[str, np.ndarray] = {}
    make = statespace.make_model

    def make_model(endog: np.ndarray, *args: Any) -> Any:
        model = make(endog, *args)
        if "now" in lam:
            update, scale = model.update, lam["now"]

            def scaled(params: np.ndarray, **kw: Any) -> np.ndarray:
                params = update(params, **kw)
                q = np.repeat(np.asarray(model["state_cov"])[:, :, None], model.nobs, axis=2)
                q[0, 0] *= scale
                q[1, 1] *= scale
                model["state_cov"] = q
                return params
            model.update = scaled
        return model

    fit_hier = hierarchy.fit_hierarchy

    def fit_hierarchy(obs: Any, profile: Any, growth: Any, register: Any, const: Any, **kw: Any) -> Any:
        lam.pop("now", None)
        fit, data, rebuild = fit_hier(obs, profile, growth, register, const, **kw)
        for _ in range(6):
            res = rebuild(data.endog).smooth(fit.params)
            eta = np.asarray(res.smoothed_state_disturbance)
            var = np.asarray(res.smoothed_state_disturbance_cov)
            sd = statespace._shock_sd(statespace.system(fit.params, fit.local_sigma)[2])
            q = (eta[0] ** 2 + var[0, 0]) / sd[0] ** 2 + (eta[1] ** 2 + var[1, 1]) / sd[1] ** 2
            lam["now"] = (nu + q) / (nu + 2.0)
            fit, data, rebuild = fit_hier(obs, profile, growth, register, const, **kw)
        lam.pop("now", None)
        return fit, data, rebuild

    simulate = paths.simulate_states

    def simulate_states(fit: Any, years: Any, z: np.ndarray) -> np.ndarray:
        z = np.array(np.atleast_2d(z), dtype=float)
        rng = np.random.default_rng(12345)
        for h in range(paths.horizon(fit, years)):
            first = 1 + statespace.M + statespace.K * h
            z[:, first:first + 2] *= np.sqrt(nu / rng.chisquare(nu, z.shape[0]))[:, None]
        return simulate(fit, years, z)

    @contextmanager
    def ctx() -> Iterator[None]:
        with _patched_everywhere([(statespace, "make_model"), (hierarchy, "make_model")], make_model), \
                _patched(fitmod, "fit_hierarchy", fit_hierarchy), _patched(fitmod, "simulate_states", simulate_states):
            yield
    return ctx()


def _multi_step() -> Any:
    """Estimation by a multi-step composite likelihood: the log posterior plus the 2- and 3-year-ahead
    log predictive densities of every annual national volume and revenue release (from the
    filtered state of each earlier year), a common remedy when a model is used beyond one step.
    """
    original = hierarchy._log_posterior
    ix = statespace.IX

    def annual_national(model: Any) -> list[int]:
        endog, design, inter = np.asarray(model.endog), model["design"], model["obs_intercept"]
        out = []
        for s in range(endog.shape[1]):
            seen = np.nonzero(~np.isnan(endog[:, s]))[0]
            if not seen.size or abs(inter[s, seen[0]]) > 1e-12:
                continue
            loads = set(np.nonzero(design[s, :, seen[0]])[0].tolist())
            if ix["a"] in loads and (loads <= {ix["a"], ix["d"]} or (ix["r"] in loads and loads <= {ix["a"], ix["r"], ix["dr"]})):
                out.append(s)
        return out

    def log_posterior(model: Any, priors: Any, theta: np.ndarray) -> float:
        base = original(model, priors, theta)
        if base <= -1e11:
            return base
        res = model.filter(statespace.constrain(theta))
        F, c = model["transition"], np.ravel(model["state_intercept"])
        Q = model["selection"] @ model["state_cov"] @ model["selection"].T
        endog, design, inter, cov = np.asarray(model.endog), model["design"], model["obs_intercept"], model["obs_cov"]
        extra, slots = 0.0, annual_national(model)
        for t in range(endog.shape[0]):
            m, P = res.filtered_state[:, t], res.filtered_state_cov[:, :, t]
            for h in (1, 2, 3):
                m, P = F @ m + c, F @ P @ F.T + Q
                if h == 1 or t + h >= endog.shape[0]:
                    continue
                for s in slots:
                    if not np.isnan(endog[t + h, s]):
                        z = design[s, :, t + h]
                        v = z @ P @ z + cov[s, s, t + h]
                        e = endog[t + h, s] - z @ m - inter[s, t + h]
                        extra -= 0.5 * (math.log(2 * math.pi * v) + e * e / v)
        return base + extra if np.isfinite(extra) else -1e12
    return _patched(hierarchy, "_log_posterior", log_posterior)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _fixed(value: float) -> dict[str, float]:
    return {"mean": value, "sd": 1e-3}


#: name -> (description, register, context)
VARIANTS: dict[str, tuple[str, dict[str, dict[str, Any]] | None, Callable[[], Any]]] = {
    "base": ("shipped", None, _nothing),
    "random_walk_drift": ("revenue drift a random walk (before)", None,
                          lambda: drift_persistence(lambda phi: np.ones_like(phi))),
    "drift_08": ("revenue drift damped at 0.8 (fixed)", None,
                 lambda: drift_persistence(lambda phi: np.full_like(phi, 0.8))),
    "rho0": ("ρ fixed at 0", _register(revenue_growth_shock_correlation_atanh=_fixed(0.0)), _nothing),
    "omega027": ("level share ω fixed at 0.27 (prior mean)",
                 _register(national_level_shock_share_logit=_fixed(float(special.logit(0.27)))), _nothing),
    "omega05": ("level share ω fixed at 0.5", _register(national_level_shock_share_logit=_fixed(0.0)), _nothing),
    "omega_prior1": ("ω prior centred at 0.73 (logit 1)",
                     _register(national_level_shock_share_logit={"mean": 1.0}), _nothing),
    "phi_prior0": ("φ prior centred at 0.49 (logit 0)",
                   _register(national_growth_persistence_logit={"mean": 0.0}), _nothing),
    "shock_prior_tight": ("shock-SD prior 5-95% 0.013-0.069 (σ 0.5)",
                          _register(shock_sd_prior={"sigma": 0.5}), _nothing),
    "drift_corr-05": ("revenue drift shock correlated −0.5 with growth shock", None, lambda: _drift_correlation(-0.5)),
    "drift_corr-08": ("revenue drift shock correlated −0.8 with growth shock", None, lambda: _drift_correlation(-0.8)),
    "irregular03": ("transitory national deviation, SD 0.03", None, lambda: _irregular(0.03)),
    "irregular05": ("transitory national deviation, SD 0.05", None, lambda: _irregular(0.05)),
    "t8": ("national shocks Student-t, 8 dof", None, lambda: _student_t(8.0)),
    "t4": ("national shocks Student-t, 4 dof", None, lambda: _student_t(4.0)),
    "multi_step": ("multi-step (h = 1..3) composite likelihood", None, _multi_step),
    "mode_only": ("no parameter uncertainty (mode only)", None,
                  lambda: _patched(fitmod, "fit_hierarchy", partial(hierarchy.fit_hierarchy, n_param=1))),
}


def run(origins: range, register: dict[str, dict[str, Any]] | None,
        horizons: tuple[int, ...] = cli.HORIZONS) -> dict[str, list[dict[str, float]]]:
    """``backtest_cli.run``'s rows for one variant, forecast in-process (call inside its context)."""
    fits: dict[int, fitmod.Fitted] = {}

    def forecast(data: Path, origin: int, indicator: str, year: int) -> dict[str, float]:
        if origin not in fits:
            fits[origin] = fitmod.fit_all(load([data], until=str(origin)), register, levels=levels())
        q = window_forecast.forecast(fits[origin], "China", indicator, str(year), n=20000, seed=0)["quantiles"]
        return {k: float(v) for k, v in q.items()}
    return cli.run(origins, forecast, horizons)


def cells(rows: list[dict[str, float]]) -> tuple[str, str, float]:
    """``(MAPE h=1/2/3, coverage h=1/2/3, mean log score)`` of one series."""
    mape, cov, score = [], [], []
    for h in cli.HORIZONS:
        r = [x for x in rows if x["h"] == h]
        mape.append(f"{100 * np.mean([abs(x['median'] / x['truth'] - 1) for x in r]):.1f}")
        cov.append(f"{np.mean([x['lo'] <= x['truth'] <= x['hi'] for x in r]):.2f}".replace("0.", ".").replace("1.00", "1"))
        score += [_score(x) for x in r]
    return " / ".join(mape), "/".join(cov), float(np.mean(score))


def _log_sd(x: dict[str, float]) -> float:
    return math.log(x["hi"] / x["lo"]) / (2 * Z80)


def diagnostics() -> None:
    """Print the error-size, irregular-profile and in-sample figures docs/backtest.md quotes."""
    from scipy.stats import binom

    from expressim.calibration.statespace import unconstrain

    print("a perfectly calibrated 80% interval: P(coverage within 0.70-0.90) with n points")
    for n in (7, 8):
        k = [j for j in range(n + 1) if 0.7 <= j / n <= 0.9]
        print(f"  n={n}: {float(binom.pmf(k, n, 0.8).sum()):.3f} (k in {k}); P(all {n} covered) = {0.8**n:.3f}")
    rows = run(SCORED, None)
    print("shipped model, scored origins: RMS log error / mean interval log-SD by horizon")
    for ind, r in rows.items():
        for h in cli.HORIZONS:
            x = [v for v in r if v["h"] == h]
            rms = math.sqrt(np.mean([math.log(v["median"] / v["truth"]) ** 2 for v in x]))
            print(f"  {ind} h={h}: {rms:.3f} / {np.mean([_log_sd(v) for v in x]):.3f}")
    priors = hierarchy.priors_from(reg.load_register())
    captured: dict[str, Any] = {}
    fit_hier = hierarchy.fit_hierarchy

    def capture(*a: Any, **kw: Any) -> Any:
        captured["fit"] = fit_hier(*a, **kw)
        return captured["fit"]

    with tempfile.TemporaryDirectory() as tmp, _patched(fitmod, "fit_hierarchy", capture):
        data = Path(tmp)
        cli.china_only(data)
        print("log posterior at the mode by SD of a transitory national deviation 0/0.02/0.04/0.06/0.08")
        for o in (*SELECTION, 2016, 2018, 2020, 2022, 2024):
            obs = load([data], until=str(o))
            lp = []
            for sd in (0.0, 0.02, 0.04, 0.06, 0.08):
                with _irregular(sd):
                    f = fitmod.fit_all(obs, levels=levels()).hier
                lp.append(f"{f.loglike + float(priors.log_density(unconstrain(f.params))):.1f}")
            print(f"  origin {o}: {' / '.join(lp)}")
        print("in-sample h-step errors of annual China volume, standardised by the model SD: RMS (n) at h=1/2/3")
        for o in (2016, 2018, 2020, 2022, 2024):
            fitmod.fit_all(load([data], until=str(o)), levels=levels())
            fit, sd_data, rebuild = captured["fit"]
            res = rebuild(sd_data.endog).filter(fit.params)
            F, c, L = statespace.system(fit.params, fit.local_sigma)
            Q = L @ L.T
            row = np.zeros(statespace.M)
            row[statespace.IX["a"]] = 1.0
            seen = {r.obs.period.year: r.log_value for r in sd_data.rows if (r.obs.geography, r.obs.indicator)
                    == ("China", "express_volume") and r.obs.period.kind == "year" and not r.implied
                    and r.obs.period.year < sd_data.breaks.get("express_volume", 9999)}
            z: dict[int, list[float]] = {h: [] for h in cli.HORIZONS}
            for t, year in enumerate(sd_data.years):
                m, P = res.filtered_state[:, t], res.filtered_state_cov[:, :, t]
                for h in cli.HORIZONS:
                    m, P = F @ m + c, F @ P @ F.T + Q
                    if year >= 2011 and year + h in seen:
                        z[h].append((seen[year + h] - row @ m) / math.sqrt(row @ P @ row))
            print(f"  origin {o}: " + " / ".join(f"{math.sqrt(np.mean(np.square(v))):.2f} ({len(v)})"
                                                    for v in z.values()))


def _score(x: dict[str, float]) -> float:
    sd = _log_sd(x)
    return 0.5 * (math.log(x["truth"] / x["median"]) / sd) ** 2 + math.log(sd) + 0.5 * math.log(2 * math.pi)


def nested(names: list[str]) -> None:
    """Choose among ``names`` inside the rolling origin and score the choice on the scored origins.

    At each scored origin O the variant with the best mean log score over every earlier forecast
    (origins from 2012, targets up to O) is used for O's forecasts.
    """
    every = range(SELECTION.start, SCORED.stop)
    res = {}
    for n in names:
        _, register, ctx = VARIANTS[n]
        with ctx():
            res[n] = run(every, register)
    chosen = {}
    for o in SCORED:
        past = {n: np.mean([_score(x) for rows in res[n].values() for x in rows if x["origin"] + x["h"] <= o])
                for n in names}
        chosen[o] = min(past, key=lambda n: past[n])
    print("chosen:", ", ".join(f"{o} {n}" for o, n in chosen.items()))
    for ind in cli.INDICATORS:
        mape, cov, score = cells([x for o, n in chosen.items() for x in res[n][ind] if x["origin"] == o])
        print(f"  {ind}: MAPE {mape}, 80% coverage {cov}, log score {score:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", metavar="VARIANT", help=f"variants (default: all of {', '.join(VARIANTS)})")
    ap.add_argument("--diagnostics", action="store_true", help="print the figures quoted beside the table instead")
    ap.add_argument("--nested", action="store_true", help="choose among the named variants inside the rolling origin")
    args = ap.parse_args()
    unknown = [n for n in args.names if n not in VARIANTS]
    if unknown:
        ap.error(f"unknown variant(s) {', '.join(unknown)}; expected some of {', '.join(VARIANTS)}")
    if args.diagnostics:
        diagnostics()
        return
    if args.nested:
        nested(args.names or list(VARIANTS))
        return
    print("| variant | 2012–14: volume MAPE h=1/2/3 | revenue | log score | "
          "2015–22: volume (80% coverage) | revenue (coverage) | log score |")
    print("|---|---|---|---|---|---|---|")
    for name in args.names or list(VARIANTS):
        label, register, ctx = VARIANTS[name]
        with ctx():
            sel, scored = run(SELECTION, register), run(SCORED, register)
        sv, sr = cells(sel["express_volume"]), cells(sel["express_revenue"])
        cv, cr = cells(scored["express_volume"]), cells(scored["express_revenue"])
        print(f"| {label} | {sv[0]} | {sr[0]} | {(sv[2] + sr[2]) / 2:.2f} | {cv[0]} ({cv[1]}) | {cr[0]} ({cr[1]}) "
              f"| {(cv[2] + cr[2]) / 2:.2f} |", flush=True)


if __name__ == "__main__":
    main()
