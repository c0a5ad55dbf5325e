"""The report of ``compare --latest-opening``: how late the selected projects can open and keep a target's
probability at the required level, the probability at each opening month, and how firm the answer is.

Months are written ``YYYY-MM``; projects by their labels; the answers page comes first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from expressim.model.viz.i18n import tr
from expressim.model.viz.report import _details, _e, _figures, _manifest, _page, _table, answers_section
from expressim.model.viz.run_tables import DisplayTable

if TYPE_CHECKING:
    from expressim.model.analysis.latest_opening import LatestOpening

__all__ = ["write_latest_report"]


def _verdict(result: LatestOpening, lang: str) -> str:
    v = result.get("verdict", {})
    status = str(v.get("status", ""))
    if status == "range":
        a, b = (v.get("shift_range") or [None, None])[:2]
        return tr("lo.v.range", lang, a=f"{a:+d}" if a is not None else "—", b=f"{b:+d}" if b is not None else "—")
    key = f"lo.v.{status}"
    from expressim.model.viz.i18n import MESSAGES

    return tr(key, lang) if key in MESSAGES else str(v.get("text", ""))


def write_latest_report(path: str | Path, result: LatestOpening, figures: Sequence[str | Path],
                        manifest: Mapping[str, object], project_labels: Mapping[str, str],
                        lang: str = "en") -> list[DisplayTable]:
    """Write ``report.html`` of a latest-opening search; return its tables (answers, P at each opening
    month) for the workbook.

    Parameters
    ----------
    result : mapping
        ``latest_opening.json`` (:func:`expressim.model.analysis.latest_opening.latest_opening`).
    project_labels : mapping
        Project id -> its label in the scenario.
    """
    t = result["target"]
    target = f"{t['label']} ({t['year']})"
    req = float(result["required_probability"])
    projects = "、".join(project_labels.get(p, p) for p in result["projects"]) if lang == "zh" else ", ".join(
        project_labels.get(p, p) for p in result["projects"])
    best = result.get("latest")
    if best:
        latest = tr("lo.latest", lang, month=best["group_median_opening"], shift=best["shift_months"],
                    p=float(best["probability"]), lb=float(best["lower_bound_95"]))
        latest += tr("lo.at_end", lang) if result.get("at_grid_end") else ""
    else:
        latest = tr("lo.none", lang)
    w = result["without_projects"]
    rows = [(tr("lo.q.latest", lang), latest, "green" if best else "red"),
            (tr("lo.q.without", lang), tr("lo.without", lang, p=float(w["probability"]), lo=float(w["lower_bound_95"]),
                                          hi=float(w["upper_bound_95"])), ""),
            (tr("lo.q.verdict", lang), _verdict(result, lang), "")]
    from expressim.model.viz.run_tables import DisplayTable

    curve, plain = [], []
    for c in sorted(result["curve"], key=lambda c: c["shift_months"]):
        ok = bool(c["admissible"])
        plain.append([int(c["shift_months"]), str(c["group_median_opening"]), round(float(c["probability"]), 3),
                      round(2 * float(c["probability_stderr"]), 3), round(float(c["lower_bound_95"]), 3),
                      tr("lo.yes" if ok else "lo.no", lang)])
        curve.append(f'<tr><td class="num">{c["shift_months"]:+d}</td><td class="num">{_e(c["group_median_opening"])}</td>'
                     f'<td class="num">{float(c["probability"]):.3f} ± {2 * float(c["probability_stderr"]):.3f}</td>'
                     f'<td class="num">{float(c["lower_bound_95"]):.3f}</td>'
                     f'<td class="{"green" if ok else "red"}">{tr("lo.yes" if ok else "lo.no", lang)}</td></tr>')
    name = str(result.get("scenario", ""))
    body = [
        f"<h1>{_e(tr('lo.title', lang, projects=projects, name=name))}</h1>",
        answers_section([{"cls": ""}, {"cls": ""}, {"cls": ""}], _e(tr("lo.answers_intro", lang, target=target, req=req)),
                        lang, head=[tr("lo.col.question", lang), tr("lo.col.answer", lang)],
                        cells=[[_e(q), f"<b>{_e(a)}</b>" if i == 0 else _e(a)] for i, (q, a, _) in enumerate(rows)]),
        "<p>" + _e(tr("lo.intro", lang, projects=projects, target=target, req=req)) + "</p>",
        f"<h2>{tr('common.figures', lang)}</h2>", _figures(figures, lang),
        f"<h2>{tr('lo.curve', lang)}</h2>",
        _table([tr("lo.col.shift", lang), tr("lo.col.opening", lang), tr("common.probability", lang) + " (± 2 s.e.)",
                tr("lo.col.lower", lang), tr("lo.col.ok", lang)], curve),
        f'<p class="muted">{tr("common.lang_switch", lang)}</p>',
        f"<h2>{tr('common.manifest', lang)}</h2>", _details(tr("common.manifest_note", lang), _manifest(manifest)),
    ]
    Path(path).write_text(_page(f"expressim · {name}", "\n".join(body), lang), encoding="utf-8")
    return [DisplayTable("answers", tr("answers.title", lang), [tr("lo.col.question", lang), tr("lo.col.answer", lang)],
                         [[q, a] for q, a, _ in rows]),
            DisplayTable("curve", tr("lo.curve", lang),
                         [tr("lo.col.shift", lang), tr("lo.col.opening", lang), tr("common.probability", lang),
                          "± (2 s.e.)", tr("lo.col.lower", lang), tr("lo.col.ok", lang)], plain)]
