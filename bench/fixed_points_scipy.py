"""The fixed-point benchmark in SciPy, for the side-by-side comparison with bench/fixed-points.ts.

Run with Debian's python3-scipy: /usr/bin/python3 bench/fixed_points_scipy.py [--quick] [--only NAME]
Prints JSON lines with the fields of `npm run bench`: {"impl","workload","n","B","T","usPerStep",
"gflops","check"}.

The same problem as bench/fixed-points.ts: the tanh network h -> tanh(W h + b), n = 128, W uniform
with variance g^2 / n (g = 0.95), b uniform in [-0.2, 0.2], 1,000 starts uniform in [-1, 1], all from
the Park-Miller generator x <- 16807 x mod (2^31 - 1) (exact in float64). The same speed
q(h) = 1/2 ||tanh(W h + b) - h||^2 with its analytic gradient (J - I)^T r, J = diag(1 - F^2) W,
minimised the way one would with SciPy, in two layouts:
- 'per-start': scipy.optimize.minimize(method='L-BFGS-B', jac=True) once per start;
- 'joint': one L-BFGS-B run on the sum of q over all starts (FixedPointFinder's batch layout; the
  Hessian is block-diagonal, so the minimiser is the same set of points);
then Newton's method (numpy.linalg.solve on J - I) polishes every minimum with q <= 1e-6, the states
within 1e-6 (1 + ||h||_inf) are merged, and numpy.linalg.eigvals gives the multipliers of each point.
`check` is the sum of the coordinates of the fixed point (there is one).
"""
import json
import statistics
import sys
import time

import numpy as np
from scipy.optimize import minimize

QUICK = "--quick" in sys.argv
ONLY = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None


def problem(n, starts, g=0.95):
    x = 1
    out = np.empty(n * n + n + starts * n)
    for i in range(out.size):
        x = (16807 * x) % 2147483647
        out[i] = x / 2147483647
    a = g * np.sqrt(3.0 / n)
    W = (a * (2 * out[: n * n] - 1)).reshape(n, n)
    b = 0.2 * (2 * out[n * n : n * n + n] - 1)
    H = (2 * out[n * n + n :] - 1).reshape(starts, n)
    return W, b, H


def search(W, b, H, layout):
    n = W.shape[0]
    eye = np.eye(n)

    def q_grad(h):
        F = np.tanh(W @ h + b)
        r = F - h
        g = ((1 - F * F) * r) @ W - r
        return 0.5 * r @ r, g

    def q_grad_all(flat):
        Hs = flat.reshape(-1, n)
        F = np.tanh(Hs @ W.T + b)
        R = F - Hs
        G = ((1 - F * F) * R) @ W - R
        return 0.5 * np.sum(R * R), G.ravel()

    opts = {"maxiter": 2000, "ftol": 1e-16, "gtol": 1e-10, "maxcor": 10}
    if layout == "per-start":
        ends = [minimize(q_grad, h0, jac=True, method="L-BFGS-B", options=opts).x for h0 in H]
    else:
        ends = list(minimize(q_grad_all, H.ravel(), jac=True, method="L-BFGS-B", options={**opts, "maxiter": 20000}).x.reshape(-1, n))
    points = []
    for h in ends:
        if q_grad(h)[0] > 1e-6:
            continue
        for _ in range(30):
            F = np.tanh(W @ h + b)
            r = F - h
            if np.max(np.abs(r)) <= 1e-10:
                break
            h = h - np.linalg.solve((1 - F * F)[:, None] * W - eye, r)
        if np.max(np.abs(np.tanh(W @ h + b) - h)) > 1e-10:
            continue
        if any(np.max(np.abs(p - h)) <= 1e-6 * (1 + np.max(np.abs(h))) for p in points):
            continue
        points.append(h)
    for h in points:
        F = np.tanh(W @ h + b)
        np.linalg.eigvals((1 - F * F)[:, None] * W)
    return points


def main():
    if ONLY is not None and ONLY != "fixed-points":
        return
    n, starts = 128, 1000
    W, b, H = problem(n, starts)
    for layout in ["joint", "per-start"]:
        times = []
        check = 0.0
        for _ in range(1 if QUICK else 3):
            t0 = time.perf_counter()
            points = search(W, b, H, layout)
            times.append(time.perf_counter() - t0)
            if len(points) != 1:
                raise SystemExit(f"fixed-points ({layout}): {len(points)} points instead of 1")
            check = float(np.sum(points[0]))
        s = statistics.median(times)
        print(json.dumps({"impl": "scipy", "layout": layout, "workload": "fixed-points", "n": n, "B": 1, "T": starts, "usPerStep": s / starts * 1e6, "gflops": 0, "check": check}), flush=True)


main()
