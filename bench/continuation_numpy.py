"""The continuation benchmark in numpy, for the side-by-side comparison with bench/continuation.ts.

Run with Debian's python3-numpy: /usr/bin/python3 bench/continuation_numpy.py [--quick] [--only NAME]
Prints one JSON line, the same fields as `npm run bench`: {"impl","workload","n","B","T","usPerStep",
"gflops","check"}.

The same algorithm as src/dynamics/continuation/pseudo-arclength.ts with a fixed step, written
the straightforward numpy way (there is no continuation in numpy or scipy; this is what one would
write with them): a branch of 1,000 points of equilibria of the 2-neuron CTRNN
tau dy/dt = -y + W sigmoid(y + theta) + I, W = [[4.5, 1], [-1, 4.5]], theta = (theta1, -1.6), in
theta1 from -4 with ds = 0.005. Per point: predictor z + ds t, Newton on [G(z); t . (z - z0) - ds]
with the bordered Jacobian (numpy.linalg.solve) to 1e-11 and one polishing step, the tangent from
the same matrix, and numpy.linalg.eigvals of the 2 x 2 Jacobian. `check` is theta1 at the last point:
the corrector's solution is unique, so it must equal rnn-dynamics' to round-off.
"""
import json
import statistics
import sys
import time

import numpy as np

QUICK = "--quick" in sys.argv
ONLY = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None

W = np.array([[4.5, 1.0], [-1.0, 4.5]])
THETA2 = -1.6


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def residual(z):
    y = z[:2]
    theta = np.array([z[2], THETA2])
    return -y + W @ sigmoid(y + theta)


def jacobian(z):
    y = z[:2]
    theta = np.array([z[2], THETA2])
    s = sigmoid(y + theta)
    d = s * (1.0 - s)
    J = np.empty((2, 3))
    J[:, :2] = W * d[None, :] - np.eye(2)
    J[:, 2] = W[:, 0] * d[0]
    return J


def bordered(z, t):
    M = np.empty((3, 3))
    M[:2] = jacobian(z)
    M[2] = t
    return M


def branch(points, ds=0.005, tol=1e-11):
    # start: Newton at fixed theta1 = -4 from the equilibrium to 13 digits (root counting finds it)
    z = np.array([1.17677090205824, 4.10373185239316, -4.0])
    for _ in range(50):
        g = residual(z)
        if np.max(np.abs(g)) <= tol:
            break
        z[:2] -= np.linalg.solve(jacobian(z)[:, :2], g)
    t = np.array([0.0, 0.0, 1.0])
    t = np.linalg.solve(bordered(z, t), np.array([0.0, 0.0, 1.0]))
    t /= np.linalg.norm(t)
    if t[2] < 0:
        t = -t
    eigs = []
    for _ in range(points):
        z0 = z
        z = z0 + ds * t
        for _ in range(8):
            g = residual(z)
            arc = t @ (z - z0) - ds
            if max(np.max(np.abs(g)), abs(arc)) <= tol:
                break
            z = z - np.linalg.solve(bordered(z, t), np.append(g, arc))
        M = bordered(z, t)
        z = z - np.linalg.solve(M, np.append(residual(z), t @ (z - z0) - ds))
        t1 = np.linalg.solve(M, np.array([0.0, 0.0, 1.0]))
        t1 /= np.linalg.norm(t1)
        t = t1 if t1 @ t >= 0 else -t1
        eigs.append(np.linalg.eigvals(jacobian(z)[:, :2]))
    return z[2]


def main():
    if ONLY is not None and ONLY != "continuation":
        return
    points = 1000
    check = 0.0
    times = []
    for _ in range(3 if QUICK else 9):
        t0 = time.perf_counter()
        check = branch(points)
        times.append(time.perf_counter() - t0)
    s = statistics.median(times)
    print(json.dumps({"impl": "numpy", "workload": "continuation", "n": 2, "B": 1, "T": points, "usPerStep": s / points * 1e6, "gflops": 0, "check": float(check)}))


main()
