"""Shared test setup: a private matplotlib cache, hypothesis profiles, a session-wide calibration (``fitted``).

Hypothesis profiles
-------------------
``default``
    Moderate example counts so the whole suite stays within its time budget (CI), derandomized
    so every run tries the same examples.
``long``
    Many more examples, for fuzzing on demand: ``pytest --hypothesis-profile=long``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any

# before anything imports matplotlib: never write a font cache into $HOME (docs/architecture.md)
if "MPLCONFIGDIR" not in os.environ:
    os.environ["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="expressim-mpl-")
    atexit.register(shutil.rmtree, os.environ["MPLCONFIGDIR"], ignore_errors=True)

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(  # derandomized: CI runs the same examples every time (no flaky failures)
    "default", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True,
    derandomize=True, database=None,
)
settings.register_profile(
    "long", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def observations() -> Any:
    """The shipped observation set."""
    from expressim.calibration.observations import load

    return load()


@pytest.fixture(scope="session")
def fitted(observations: Any) -> Any:
    """The calibration of the shipped data, made by calibration itself (no CLI, no fit cache); one per session.

    ``Fitted`` is a frozen dataclass: a test must not change the arrays it holds (every test shares it)."""
    from helpers import levels

    from expressim.calibration.fit import fit_all

    return fit_all(observations, levels=levels())
