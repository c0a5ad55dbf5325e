"""The sensitivity command's self-contained HTML report: which statistics to ask for first (the answers
page), the inputs that move each headline target, and the conditions under which it is missed.

Inputs are named in plain words (their register description, the calibrated quantity's label, or
"duration of <phase> at <project>"), never by an internal id alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from expressim.model.analysis.sensitivity import index_value
from expressim.model.viz.i18n import MESSAGES, tr
from expressim.model.viz.report import _details, _e, _figures, _manifest, _page, _table, answers_section
from expressim.model.viz.run_tables import DisplayTable

if TYPE_CHECKING:
    from expressim.model.analysis.closed_sobol import ValueOfInformation
    from expressim.model.analysis.discovery import ChosenBox, PrimResult
    from expressim.model.analysis.sensitivity import IndexRow
    from expressim.model.spec.scenario import Target

__all__ = ["box_text", "input_name", "plain_names", "write_sensitivity_report"]

#: an internal id quoted in a description, ``(station_keepers_per_10k_parcels)``: not for the reader
_QUOTED_ID = re.compile(r"\s*\((?:[a-z0-9]+_)+[a-z0-9]+\)")


def _plain(text: str) -> str:
    """A description without the internal ids it quotes in brackets."""
    return _QUOTED_ID.sub("", text).strip()


def input_name(factor: str, descriptions: Mapping[str, str], lang: str = "en") -> str:
    """Plain words for a sensitivity factor: a parameter, a calibrated quantity, or a rollout duration --
    ``rollout:<project>:<phase>``, or a group of them, ``rollout:<kind>`` (every project of a kind, e.g. the
    county centres) or ``rollout:<project>`` -- never the internal id."""
    from expressim.model.analysis.rests_on import CALIBRATED_LABELS, calibrated_label
    from expressim.model.viz.i18n import INPUT_NAMES_ZH

    if lang == "zh" and factor in INPUT_NAMES_ZH:
        return INPUT_NAMES_ZH[factor]
    if factor.startswith("baseline:"):
        return tr("sens.baseline", lang, k=factor.split(":", 1)[1])
    if factor.startswith("rollout:"):
        parts = factor.split(":")
        project = parts[1] if len(parts) > 1 else ""
        phase = parts[2] if len(parts) > 2 else ""
        if not phase:
            if f"sens.rollout_kind.{project}" in MESSAGES:  # grouped by kind of project
                return tr(f"sens.rollout_kind.{project}", lang)
            return tr("sens.rollout_project", lang, project=_plain(descriptions.get(project, project.replace("_", " "))))
        return tr("sens.rollout", lang, project=_plain(descriptions.get(project, project.replace("_", " "))),
                  phase=phase)
    if descriptions.get(factor):
        return _plain(str(descriptions[factor]))
    if factor in CALIBRATED_LABELS:
        return calibrated_label(factor)
    return factor.replace("_", " ")


def _unit(unit: str, lang: str) -> str:
    key = f"sens.unit.{unit}"
    return tr(key, lang) if key in MESSAGES else unit


def box_text(box: ChosenBox | None, descriptions: Mapping[str, str], lang: str = "en") -> str:
    """The conditions under which a target is missed (a PRIM box), in plain words: each restricted input by
    its name with its limits and unit, then how much of the misses the box holds and how many futures in it
    miss (``sens.box_stats``)."""
    if not box:
        return tr("sens.no_box", lang)
    parts = []
    for k, lim in box["limits"].items():
        lo, hi = lim.get("low"), lim.get("high")
        name = input_name(str(k), descriptions, lang)
        s = f"{lo:.4g} ≤ {name}" if lo is not None else name
        s = f"{s} ≤ {hi:.4g}" if hi is not None else s
        parts.append(f"{s} {_unit(str(lim.get('unit', '')), lang)}".strip())
    joined = tr("sens.and", lang).join(parts) or tr("sens.whole_space", lang)
    return joined + " " + tr("sens.box_stats", lang, coverage=float(box["coverage"]), density=float(box["density"]),
                             n=int(box["n"]))


def plain_names(rows: Sequence[IndexRow], voi: ValueOfInformation, descriptions: Mapping[str, str],
                lang: str = "en") -> dict[str, str]:
    """Plain words for every factor of the index rows and every information group of ``voi`` (figure labels).

    A long description is cut at 48 characters (the figures' tick labels).
    """
    out: dict[str, str] = {}
    for r in rows:
        name = input_name(str(r["factor"]), descriptions, lang)
        out[str(r["factor"])] = name if len(name) <= 48 else name[:47] + "…"
    for r in voi.get("indices", []):
        out[str(r["factor"])] = _group(str(r["factor"]), lang)
    return out


def _group(g: str, lang: str) -> str:
    key = f"group.{g}"
    from expressim.model.viz.i18n import MESSAGES

    return tr(key, lang) if key in MESSAGES else g


def _statistic(g: str, fallback: str, lang: str) -> str:
    from expressim.model.viz.i18n import MESSAGES

    key = f"stat.{g}"
    return tr(key, lang) if key in MESSAGES else fallback


def write_sensitivity_report(path: str | Path, *, scenario: str, method: str, evaluations: int,
                             rows: Sequence[IndexRow], boxes: Mapping[str, PrimResult], voi: ValueOfInformation,
                             targets: Sequence[Target], descriptions: Mapping[str, str], figures: Sequence[str | Path],
                             manifest: Mapping[str, object], lang: str = "en") -> list[DisplayTable]:
    """Write ``report.html`` of a sensitivity run; return its tables (statistics to ask for first, the
    inputs that move each target) for the workbook.

    Parameters
    ----------
    rows : sequence of mapping
        Index rows (``output``, ``factor``, ``S1``, ``ST`` with ``_conf``, or Morris ``mu_star``...).
    boxes : mapping
        Target id -> PRIM result (``chosen`` box).
    voi : mapping
        :func:`expressim.model.analysis.closed_sobol.value_of_information`.
    targets : sequence
        The targets analysed (``id``, ``label``, ``year``).
    descriptions : mapping
        Input id -> plain description (register and scenario parameters, project labels).
    """
    overall = list(voi.get("ranking", {}).get("overall", []))
    answer_rows = [{"cls": ""} for _ in overall]
    answer_cells = [[_e(_group(str(g["group"]), lang)), f"{float(g['mean_S1']):.2f}",
                     _e(_statistic(str(g["group"]), str(g.get("statistic", "")), lang))] for g in overall]
    timing = voi.get("ranking", {}).get("policy_timing_mean_S1")
    intro = tr("sens.ask_first_intro", lang)
    if overall:
        top = overall[0]
        intro = (f"<b>{_e(tr('sens.answer_top', lang, stat=_statistic(str(top['group']), str(top.get('statistic', '')), lang), share=float(top['mean_S1'])))}</b> "
                 + intro)
    if timing is not None and np.isfinite(float(timing)):
        intro += " " + _e(tr("sens.timing_note", lang, v=float(timing)))
    from expressim.model.viz.run_tables import DisplayTable

    key = "ST" if method == "sobol" else "mu_star"
    sections = []
    plain: list[list[Any]] = []
    for t in targets:
        sub = sorted((r for r in rows if r["output"] == f"{t.id}.value" and np.isfinite(index_value(r, key))),
                     key=lambda r: -index_value(r, key))[:8]
        body = []
        for r in sub:
            if method == "sobol":
                cells = (f'<td class="num">{r["ST"]:.2f} ± {r["ST_conf"]:.2f}</td>'
                         f'<td class="num">{r["S1"]:.2f} ± {r["S1_conf"]:.2f}</td>')
            else:
                cells = f'<td class="num">{r["mu_star"]:.3g} ± {r["mu_star_conf"]:.2g}</td><td class="num">—</td>'
            body.append(f"<tr><td>{_e(input_name(str(r['factor']), descriptions, lang))}</td>{cells}</tr>")
            plain.append([f"{t.label} ({t.year})", input_name(str(r["factor"]), descriptions, lang),
                          round(index_value(r, key), 3), round(index_value(r, f"{key}_conf"), 3),
                          round(float(r["S1"]), 3) if method == "sobol" else None,
                          round(float(r["S1_conf"]), 3) if method == "sobol" else None])
        found = boxes.get(t.id)
        box = found["chosen"] if found is not None else None
        sections.append(f"<h3>{_e(tr('sens.drivers', lang, target=f'{t.label} ({t.year})'))}</h3>"
                        + _table([tr("sens.col.input", lang), tr("sens.col.total", lang), tr("sens.col.first", lang)], body)
                        + f"<p><b>{tr('sens.col.box', lang)}</b>: {_e(box_text(box, descriptions, lang))}</p>")
    body = [
        f"<h1>{_e(tr('sens.title', lang, name=scenario))}</h1>",
        answers_section(answer_rows, intro, lang,
                        head=[tr("sens.col.group", lang), tr("sens.col.share", lang), tr("sens.col.statistic", lang)],
                        cells=answer_cells),
        "<p>" + _e(tr("sens.intro", lang, method=tr(f"sens.method.{method}", lang), n=f"{evaluations:,}")) + "</p>",
        f'<p class="muted">{tr("sens.drivers_intro", lang)}</p>', *sections,
        f"<h2>{tr('common.figures', lang)}</h2>", _figures(figures, lang),
        f'<p class="muted">{tr("common.lang_switch", lang)}</p>',
        f"<h2>{tr('common.manifest', lang)}</h2>", _details(tr("common.manifest_note", lang), _manifest(manifest)),
    ]
    Path(path).write_text(_page(f"expressim · {scenario}", "\n".join(body), lang), encoding="utf-8")
    return [DisplayTable("answers", tr("answers.title", lang),
                         [tr("sens.col.group", lang), tr("sens.col.share", lang), tr("sens.col.statistic", lang)],
                         [[_group(str(g["group"]), lang), round(float(g["mean_S1"]), 3),
                           _statistic(str(g["group"]), str(g.get("statistic", "")), lang)] for g in overall]),
            DisplayTable("drivers", tr("sens.col.input", lang),
                         [tr("common.target", lang), tr("sens.col.input", lang), tr("sens.col.total", lang), "±",
                          tr("sens.col.first", lang), "±"], plain)]
