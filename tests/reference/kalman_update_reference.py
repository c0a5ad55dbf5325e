"""Reference numbers for tests/test_statespace.py::test_one_partial_year_observation_is_a_kalman_update.

A hand computation, in plain Python floats (no statsmodels, no numpy), of one Kalman update of the
national block (log level a, growth g) of the hierarchy model:

    prediction   x1 = F x0 + c,   P1 = F P0 Fᵀ + Q
                 F = [[1, φ], [0, φ]],  c = (1-φ) μ [1, 1],
                 Q = [[σa² + σg², σg²], [σg², σg²]]        (η_g enters a and g)
    observation  y = a1 + log s + e,  Var e = h        (a first-quarter window of share s)
    update       K = P1 Zᵀ / (Z P1 Zᵀ + h),  x1|1 = x1 + K (y - a1 - log s),  P1|1 = P1 - K Z P1

Run:  python tests/reference/kalman_update_reference.py   (writes kalman_update_reference.json)
"""

import json
import math
from pathlib import Path

MU, PHI, SA, SG = 0.05, 0.8, 0.03, 0.06
A0, G0, VA0, VG0, CAG0 = 25.0, 0.20, 0.01**2, 0.04**2, 0.0
SHARE, Y, H = 0.21, math.log(371.1e8), 0.04**2

a1 = A0 + PHI * G0 + (1 - PHI) * MU
g1 = PHI * G0 + (1 - PHI) * MU
# P1 = F P0 F' + Q
paa = VA0 + 2 * PHI * CAG0 + PHI**2 * VG0 + SA**2 + SG**2
pag = PHI * CAG0 + PHI**2 * VG0 + SG**2
pgg = PHI**2 * VG0 + SG**2
innov = Y - a1 - math.log(SHARE)
f = paa + H
ka, kg = paa / f, pag / f
out = {
    "params": {"mu": MU, "phi": PHI, "sigma_a": SA, "sigma_g": SG},
    "initial": {"a": A0, "g": G0, "var_a": VA0, "var_g": VG0, "cov_ag": CAG0},
    "observation": {"log_value": Y, "share": SHARE, "variance": H},
    "filtered": {"a": a1 + ka * innov, "g": g1 + kg * innov, "var_a": paa - ka * paa, "var_g": pgg - kg * pag,
                 "cov_ag": pag - ka * pag},
}
Path(__file__).with_suffix(".json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
print(json.dumps(out["filtered"], indent=2))
