"""Hand computation of GM(1,1) in pure Python (no numpy), written to gm11_reference.json.

Independent reference for ``calibration.models.GreyGM11`` (which uses numpy least squares):
every step of Deng's GM(1,1) is spelled out with plain floats.

Series: China's express volume 2009-2014 [亿件] (State Post Bureau bulletins, as in
calibration/data/observations.csv). Run from the project root:

    python tests/reference/gm11_reference.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

YEARS = [2009, 2010, 2011, 2012, 2013, 2014]
X0 = [18.6, 23.4, 36.7, 56.9, 92.0, 139.6]
HORIZON = 3


def main() -> dict[str, object]:
    n = len(X0)
    # 1. accumulated generating operation (AGO): x1[k] = x0[0] + ... + x0[k]
    x1 = []
    running = 0.0
    for v in X0:
        running += v
        x1.append(running)
    # 2. background values z[k] = (x1[k] + x1[k-1]) / 2, k = 1..n-1
    z = [0.5 * (x1[k] + x1[k - 1]) for k in range(1, n)]
    y = X0[1:]
    m = len(z)
    # 3. least squares for x0[k] = -a z[k] + b: design rows (-z[k], 1), normal equations
    #    [[sum z^2, -sum z], [-sum z, m]] [a, b]^T = [-sum z*y, sum y]^T
    s_zz = sum(zk * zk for zk in z)
    s_z = sum(z)
    s_zy = sum(zk * yk for zk, yk in zip(z, y, strict=True))
    s_y = sum(y)
    n11, n12, n22 = s_zz, -s_z, float(m)
    r1, r2 = -s_zy, s_y
    det = n11 * n22 - n12 * n12
    a = (r1 * n22 - n12 * r2) / det  # Cramer's rule
    b = (n11 * r2 - n12 * r1) / det
    # 4. time response x1hat[k] = (x0[0] - b/a) exp(-a k) + b/a, k = 0, 1, ...
    c = X0[0] - b / a
    x1_hat = [c * math.exp(-a * k) + b / a for k in range(n + HORIZON)]
    # 5. restored values x0hat[k] = x1hat[k] - x1hat[k-1] (k >= 1), x0hat[0] = x0[0]
    x0_hat = [X0[0]] + [x1_hat[k] - x1_hat[k - 1] for k in range(1, n + HORIZON)]
    return {
        "description": "GM(1,1) computed by hand (pure Python); see gm11_reference.py",
        "years": YEARS,
        "x0": X0,
        "ago_x1": x1,
        "background_z": z,
        "normal_equations": {"s_zz": s_zz, "s_z": s_z, "s_zy": s_zy, "s_y": s_y, "m": m, "det": det},
        "a": a,
        "b": b,
        "fitted_x0": x0_hat[1:n],
        "fitted_years": YEARS[1:],
        "forecast": x0_hat[n:],
        "forecast_years": [YEARS[-1] + h for h in range(1, HORIZON + 1)],
    }


if __name__ == "__main__":
    out = Path(__file__).with_name("gm11_reference.json")
    out.write_text(json.dumps(main(), indent=2) + "\n", encoding="utf-8")
