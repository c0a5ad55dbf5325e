"""Pass 3, class 17 (the model's part): library functions take the ``Path`` and ``int`` a user would pass and
raise their documented errors."""

from __future__ import annotations

import pytest
from test_region_packs import TOY

from expressim.model.spec.progress import ProgressError, until_month
from expressim.model.spec.regions import RegionError, load_pack, pack_path


def test_until_month_takes_a_year_as_an_int() -> None:
    assert until_month(2023) == until_month("2023") == 2023 * 12 + 11
    with pytest.raises(ProgressError, match="--until: expected a period"):
        until_month(2023.5)  # type: ignore[arg-type]


def test_load_pack_takes_a_path_and_raises_region_error() -> None:
    assert load_pack(TOY).name == "toy"
    with pytest.raises(RegionError, match="unknown region pack"):
        load_pack("atlantis")
    with pytest.raises(RegionError, match="no such file"):
        load_pack(TOY.with_name("missing.yaml"))
    assert pack_path(TOY.name, TOY.parent / "s.yaml") == TOY
