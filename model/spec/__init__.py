"""What a user writes: the scenario schema, safe YAML, validation messages, region packs."""

from expressim.calibration.names import add_geography_names as _add_geography_names


def _region_pack_names() -> dict[str, str]:
    from expressim.model.spec.pack_names import geography_names

    return geography_names()


# observation files may name places as the region packs do (calibration/names.py reads them as keys)
_add_geography_names(_region_pack_names)
