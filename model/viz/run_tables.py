"""The tables a run's report shows, as plain rows in display units: the report draws them as HTML and
the workbook (``results.xlsx``, :mod:`expressim.model.store.workbook`) holds the same rows, one sheet each.

Values are in the units a reader uses (亿件, 亿元, %, persons), rounded to what the estimate supports;
headers and words are in the report's language (:mod:`expressim.model.viz.i18n`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from expressim.model.viz.i18n import input_name, metric_name, tr, unit_label

if TYPE_CHECKING:
    from expressim.model.analysis.rests_on import RestsOn
    from expressim.model.engine.results import Results
    from expressim.model.engine.targets import TargetSummary

__all__ = ["DisplayTable", "annual_table", "answer_rows", "answers_table", "display_number", "run_tables",
           "targets_table"]


@dataclass(frozen=True)
class DisplayTable:
    """One table of a report: a sheet of the workbook.

    Attributes
    ----------
    key : str
        Stable id of the table (``answers``, ``targets``...).
    title : str
        Its name in the report's language (the sheet's name).
    headers : list of str
        Column headers.
    rows : list of list
        Cells: numbers (already in display units and rounded) or text.
    """

    key: str
    title: str
    headers: list[str]
    rows: Sequence[Sequence[object]] = field(default_factory=list)


class AnswerRow(TypedDict):
    """One answer of the answers page (:func:`answer_rows`): the target, its status class and words, the
    range of its indicator, what it rests on and what would settle it, P and its standard error."""

    id: str
    label: str
    year: int
    threshold: str
    cls: str
    answer: str
    range: str
    rests: str
    settled: str
    probability: float
    probability_stderr: float


def display_number(value: float | None, unit: str, lang: str = "en") -> tuple[float | None, str]:
    """A value in display units, rounded: ``(4.02e8, "件") -> (4.02, "亿件")``.

    Parameters
    ----------
    value : float or None
        In the canonical unit (件, 元, fraction, 人, 个, t).
    unit : str
        The canonical unit.

    Returns
    -------
    (float or None, str)
        The rounded display value (None when missing or not finite) and its unit label.
    """
    div, label = unit_label(unit, lang)
    if value is None or not math.isfinite(float(value)):
        return None, label
    v = float(value) / div
    if unit in ("件", "元"):
        digits = 2 if abs(v) >= 0.1 else 4
    elif unit == "fraction":
        digits = 1
    else:
        digits = 0 if abs(v) >= 100 else 1
    out = round(v, digits)
    return (float(int(out)) if digits == 0 else out), label


def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, Mapping) else getattr(obj, key, default)


def answer_rows(results: Results, summaries: Sequence[TargetSummary], rests: Mapping[str, Sequence[RestsOn]] | None,
                as_of: int | None, lang: str) -> list[AnswerRow]:
    """One answer per headline target (every target when none is headline).

    Each row: ``id``, ``label``, ``year``, ``threshold`` (text), ``cls`` (css class), ``answer``, ``range``,
    ``rests`` and ``settled`` (text), ``probability`` and ``probability_stderr``.
    """
    from expressim.model.analysis import rests_on as ro
    from expressim.model.viz.progress_report import project_names, release_for, status_for, year_over
    from expressim.model.viz.words import format_value

    targets = {t.id: t for t in results.scenario.targets}
    heads = [s for s in summaries if _get(s, "headline", False)] or list(summaries)
    rows: list[AnswerRow] = []
    for s in heads:
        t = targets[_get(s, "id")]
        p, se = float(_get(s, "probability")), float(_get(s, "probability_stderr") or 0.0)
        observed = _get(s, "observed")
        cls, words = status_for(p, t.year, observed, as_of, lang)
        if observed is not None:
            short = tr("status.met_short" if cls == "green" else "status.missed_short", lang)
            answer = f"{short[:1].upper()}{short[1:]}; " + tr("answers.observed", lang,
                                                              value=format_value(float(observed), t.unit))
        elif year_over(t.year, as_of):
            answer = f"{words}; " + tr("answers.estimate", lang, p=p)
            if p >= 1.0 or p <= 0.0:  # every replication agrees: say so beside "unknown"
                answer += " (" + tr("answers.all_met" if p >= 1.0 else "answers.none_met", lang) + ")"
        else:
            answer = tr("answers.p_text", lang, p=f"{p:.2f} ± {2 * se:.2f}", words=words)
        entries = list((rests or {}).get(t.id, []))
        if observed is not None:
            rest = "—"
        elif entries and entries[0].influence > ro.NOISE_SDS * math.sqrt(2.0) * entries[0].stderr:
            e = entries[0]
            rest = tr("answers.p_range", lang, lo=e.probability_low, hi=e.probability_high,
                      input=input_name(e.input, e.label, lang),
                      kind=tr(f"kind.{e.kind}", lang))
        else:
            rest = "—"
        rng = (" – ".join(format_value(float(_get(s, k)), t.unit) for k in ("p10", "p90"))
               if observed is None else "—")
        cmp = t.comparison.replace(">=", "≥").replace("<=", "≤")
        rows.append({"id": t.id, "label": t.label, "year": t.year,
                     "threshold": f"{cmp} {format_value(t.threshold, t.unit, threshold=True)}", "cls": cls,
                     "answer": answer, "range": rng, "rests": rest,
                     "settled": "—" if observed is not None else release_for(t, lang, project_names(results.scenario)),
                     "probability": p, "probability_stderr": se})
    return rows


def answers_table(rows: Sequence[AnswerRow], lang: str) -> DisplayTable:
    """The answers page as a table."""
    head = [tr("common.target", lang), tr("common.year", lang), tr("common.threshold", lang),
            tr("answers.answer", lang), tr("answers.range", lang), tr("answers.rests_on", lang),
            tr("answers.settled_by", lang)]
    return DisplayTable("answers", tr("answers.title", lang), head,
                        [[r["label"], r["year"], r["threshold"], r["answer"], r["range"], r["rests"], r["settled"]]
                         for r in rows])


def targets_table(results: Results, summaries: Sequence[TargetSummary], as_of: int | None, lang: str) -> DisplayTable:
    """Every target: threshold, probability, status and the indicator's P10 / median / P90, in display units."""
    from expressim.model.viz.progress_report import status_for

    comparisons = {t.id: t.comparison for t in results.scenario.targets}
    head = [tr("common.target", lang), tr("common.id", lang), tr("common.year", lang),
            tr("common.threshold", lang), tr("common.unit", lang), tr("common.probability", lang), "± (2 s.e.)",
            tr("common.status", lang), tr("run.col.p10", lang), tr("run.col.median", lang), tr("run.col.p90", lang),
            tr("common.observed", lang)]
    rows = []
    ordered = sorted(summaries, key=lambda s: not bool(_get(s, "headline", False)))
    for s in ordered:
        unit = _get(s, "unit", "")
        p, se = float(_get(s, "probability")), float(_get(s, "probability_stderr") or 0.0)
        _, words = status_for(p, int(_get(s, "year")), _get(s, "observed"), as_of, lang)
        thr, ulabel = display_number(_get(s, "threshold"), unit, lang)
        cmp = comparisons.get(_get(s, "id"), ">=").replace(">=", "≥").replace("<=", "≤")
        rows.append([_get(s, "label"), _get(s, "id"), _get(s, "year"), thr, f"{cmp} {ulabel}".strip(), round(p, 3),
                     round(2 * se, 3), words, *(display_number(_get(s, k), unit, lang)[0] for k in ("p10", "median", "p90")),
                     display_number(_get(s, "observed"), unit, lang)[0]])
    return DisplayTable("targets", tr("run.targets", lang), head, rows)


def annual_table(results: Results, lang: str) -> DisplayTable:
    """Each simulated indicator by year: mean, P10, median, P90 in display units."""
    from expressim.model.spec.conventions import METRICS

    head = [tr("run.col.indicator", lang), tr("common.year", lang), tr("common.unit", lang),
            tr("run.col.mean", lang), tr("run.col.p10", lang), tr("run.col.median", lang), tr("run.col.p90", lang)]
    rows = []
    for r in results.annual_rows():
        metric = str(r["metric"])
        if ":" in metric or metric not in METRICS:  # county rows stay in annual.csv
            continue
        unit = str(r["unit"])
        _, ulabel = display_number(None, unit, lang)
        rows.append([metric_name(metric, lang), r["year"], ulabel,
                     *(display_number(float(r[k]), unit, lang)[0] for k in ("mean", "p10", "p50", "p90"))])
    return DisplayTable("annual", tr("run.annual", lang), head, rows)


def rests_table(summaries: Sequence[TargetSummary], rests: Mapping[str, Sequence[RestsOn]], lang: str) -> DisplayTable:
    """What each target's probability rests on: P with each input at its 10th and 90th percentile."""
    labels = {str(_get(s, "id")): str(_get(s, "label")) for s in summaries}
    head = [tr("common.target", lang), tr("run.col.input", lang), tr("common.source", lang) + " / " +
            tr("common.status", lang), "P (10%)", "P (90%)"]
    rows = [[labels.get(tid, tid), input_name(e.input, e.label, lang), tr(f"kind.{e.kind}", lang), round(e.probability_low, 3),
             round(e.probability_high, 3)] for tid, entries in rests.items() for e in entries[:3]]
    return DisplayTable("rests_on", tr("answers.rests_on", lang), head, rows)


def tracked_table(results: Results, lang: str) -> DisplayTable:
    """The plan tasks tracked from the progress file, not simulated."""
    from expressim.model.viz.progress_report import tracked_values

    head = [tr("common.id", lang), tr("common.task", lang), tr("common.year", lang), tr("common.status", lang),
            tr("common.date", lang), tr("common.source", lang)]
    rows = [[tid, label, year, words, date, src] for _, tid, label, year, words, date, src in tracked_values(results, lang)]
    return DisplayTable("tracked", tr("run.tracked", lang), head, rows)


def run_tables(results: Results, summaries: Sequence[TargetSummary], rests: Mapping[str, Sequence[RestsOn]] | None,
               as_of: int | None, lang: str) -> list[DisplayTable]:
    """Every table the run report shows, in its order: answers, targets, indicators by year, what the
    answers rest on, tracked tasks."""
    tables = [answers_table(answer_rows(results, summaries, rests, as_of, lang), lang),
              targets_table(results, summaries, as_of, lang), annual_table(results, lang)]
    if rests is not None:
        tables.append(rests_table(summaries, rests, lang))
    if results.scenario.tracked:
        tables.append(tracked_table(results, lang))
    return tables
