"""``--lang zh|en``: the language of a command's report, figures, workbook and summary lines.

Without ``--lang`` the region pack decides (:func:`expressim.model.viz.i18n.default_lang`): its
``language`` field when it has one, else Chinese for a prefecture whose counties have Chinese names.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from expressim.model.spec.scenario import Scenario

__all__ = ["add_lang_arg", "pack_fields", "report_lang"]


def add_lang_arg(p: argparse.ArgumentParser) -> None:
    """Add ``--lang`` to a command's parser."""
    p.add_argument("--lang", choices=("zh", "en"), default=None,
                   help="language of the report, figures, workbook and summary (default: from the region pack, "
                        "Chinese for a Chinese prefecture)")


def report_lang(given: str | None, scn: Scenario, scenario_path: str | Path | None = None) -> str:
    """The language asked for with ``--lang`` (``given``), else the region pack's (``zh`` or ``en``)."""
    from expressim.model.viz.i18n import default_lang

    if given:
        return str(given)
    data = pack_fields(scn, scenario_path)
    if not data:
        return "en"
    counties = data.get("counties")
    names = [str(data.get("prefecture", ""))] + [str(c.get("name", "")) for c in
                                                  (counties if isinstance(counties, list) else [])
                                                  if isinstance(c, dict)]
    language = data.get("language")
    return default_lang(names, language if isinstance(language, str) else None)


def pack_fields(scn: Scenario, scenario_path: str | Path | None = None) -> dict[str, object]:
    """The region pack's fields as written (empty when it cannot be read: the run read it before)."""
    try:
        from expressim.model.cli.result_inputs import pack_file
        from expressim.model.spec.safe_yaml import read_file

        data = read_file(pack_file(scn, scenario_path), "region pack")
    except Exception:  # noqa: BLE001 - the pack was read before the run; a failure here only loses a default
        return {}
    return data if isinstance(data, dict) else {}
