"""The rnn-dynamics benchmark workloads in PyTorch, for the side-by-side comparison.

Run with Debian's python3-torch: /usr/bin/python3 bench/pytorch_workloads.py [--quick] [--only NAME] [--float32]
(with libopenblas0-pthread installed; TORCH_THREADS sets torch's intra-op threads, default 2;
bench/compare.ts runs it in two thread layouts).
Prints one JSON line per configuration, the same fields as `npm run bench`:
{"impl","workload","n","B","T","usPerStep","gflops","check"}.

- rnn-bptt: torch.nn.RNN (tanh, input size 1, float64), loss 0.5 * sum(h_T^2) / B, forward + backward.
- lstm-bptt: torch.nn.LSTM (forget gate, input size 1, float64) with a Linear(n, 1) readout, loss
  0.5 * sum(y_T^2) / B, forward + backward.
- gru-bptt: torch.nn.GRU (input size 1, float64) with a Linear(n, 1) readout, the same loss.
- jacobian-norms: P_k = P_{k-1} diag(f'(a)) W accumulated over T lags, ||P_k||_2 by
  torch.linalg.matrix_norm(ord=2) (an SVD per lag, the straightforward way in PyTorch).
- lyapunov: the full spectrum by QR re-orthonormalisation (torch.linalg.qr) along an autonomous
  tanh trajectory.
- lyapunov-lstm, lyapunov-gru: the full spectrum over the whole state ((h, c) for the LSTM) of an
  autonomous torch.nn.LSTMCell / GRUCell (weights N(0, 1.5^2 / n)), the step Jacobian by
  torch.autograd.functional.jacobian (vectorized), then QR as above.
- matmul: numpy float64 n x n matmul (OpenBLAS), the machine's reference GFLOP/s.

--float32 runs every workload in float32 (torch.float32, PyTorch's default dtype; numpy float32 for
matmul) and names its rows with the suffix "-f32" (rnn-bptt-f32, ...), the names of rnn-dynamics'
float32 rows; --only takes either name.
"""
import json
import statistics
import sys
import time

import numpy as np
import torch

import os
torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
torch.manual_seed(0)
FLOAT32 = "--float32" in sys.argv
DT = torch.float32 if FLOAT32 else torch.float64
SUFFIX = "-f32" if FLOAT32 else ""
# the workloads with a float32 row in rnn-dynamics' bench (bench/run.ts), run by --float32 when no --only is given
F32_WORKLOADS = {"rnn-bptt", "lstm-bptt", "gru-bptt", "jacobian-norms", "lyapunov", "matmul"}
QUICK = "--quick" in sys.argv


def median_time(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def emit(workload, n, B, T, seconds, flops, check):
    print(json.dumps({"impl": "pytorch", "workload": workload + SUFFIX, "n": n, "B": B, "T": T,
                      "usPerStep": seconds / T * 1e6, "gflops": flops / seconds / 1e9, "check": check}), flush=True)


def rnn_bptt(n, B, T):
    rnn = torch.nn.RNN(1, n, nonlinearity="tanh", dtype=DT)
    with torch.no_grad():
        rnn.weight_hh_l0.normal_(0, 1 / n ** 0.5)
    x = torch.randn(T, B, 1, dtype=DT)
    h0 = torch.zeros(1, B, n, dtype=DT)
    out = {}

    def run():
        rnn.zero_grad()
        _, hT = rnn(x, h0)
        loss = 0.5 * (hT ** 2).sum() / B
        loss.backward()
        out["check"] = float(rnn.weight_hh_l0.grad.norm())

    s = median_time(run, 3 if QUICK else 5)
    emit("rnn-bptt", n, B, T, s, 6 * B * n * n * T, out["check"])


def lstm_bptt(n, B, T):
    lstm = torch.nn.LSTM(1, n, dtype=DT)
    readout = torch.nn.Linear(n, 1, dtype=DT)
    x = torch.randn(T, B, 1, dtype=DT)
    out = {}

    def run():
        lstm.zero_grad()
        readout.zero_grad()
        _, (hT, _) = lstm(x)
        loss = 0.5 * (readout(hT[0]) ** 2).sum() / B
        loss.backward()
        out["check"] = float(lstm.weight_hh_l0.grad.norm())

    s = median_time(run, 3 if QUICK else 5)
    emit("lstm-bptt", n, B, T, s, 24 * B * n * n * T, out["check"])


def gru_bptt(n, B, T):
    gru = torch.nn.GRU(1, n, dtype=DT)
    readout = torch.nn.Linear(n, 1, dtype=DT)
    x = torch.randn(T, B, 1, dtype=DT)
    out = {}

    def run():
        gru.zero_grad()
        readout.zero_grad()
        _, hT = gru(x)
        loss = 0.5 * (readout(hT[0]) ** 2).sum() / B
        loss.backward()
        out["check"] = float(gru.weight_hh_l0.grad.norm())

    s = median_time(run, 3 if QUICK else 5)
    emit("gru-bptt", n, B, T, s, 18 * B * n * n * T, out["check"])


def lyapunov_cell(kind, n, T):
    cell = (torch.nn.LSTMCell if kind == "lstm" else torch.nn.GRUCell)(1, n, dtype=DT)
    with torch.no_grad():
        for w in cell.parameters():
            w.normal_(0, 1.5 / n ** 0.5)
    x = torch.zeros(1, 1, dtype=DT)
    S = 2 * n if kind == "lstm" else n

    def step(s):
        if kind == "lstm":
            h, c = cell(x, (s[:n].unsqueeze(0), s[n:].unsqueeze(0)))
            return torch.cat([h[0], c[0]])
        return cell(x, s.unsqueeze(0))[0]

    out = {}

    def run():
        s = torch.randn(S, dtype=DT) * 0.1
        Q = torch.eye(S, dtype=DT)
        acc = torch.zeros(S, dtype=DT)
        for t in range(T):
            J = torch.autograd.functional.jacobian(step, s, vectorize=True)
            with torch.no_grad():
                s = step(s)
            Q, R = torch.linalg.qr(J @ Q)
            acc += torch.log(torch.abs(torch.diagonal(R)))
        out["check"] = float(acc.max() / T)

    s = median_time(run, 1 if QUICK else 3)
    flops = (32 if kind == "lstm" else 8) * n ** 3 * T
    emit("lyapunov-" + kind, n, 1, T, s, flops, out["check"])


def jacobian_norms(n, T):
    W = torch.randn(n, n, dtype=DT) / n ** 0.5
    D = 1 - torch.tanh(torch.randn(T, n, dtype=DT)) ** 2
    out = {}

    def run():
        P = torch.eye(n, dtype=DT)
        last = 0.0
        for t in range(T):
            P = (P * D[t]) @ W
            P = P / P.abs().max()
            last = float(torch.linalg.matrix_norm(P, ord=2))
        out["check"] = last

    s = median_time(run, 1 if QUICK else 3)
    emit("jacobian-norms", n, 1, T, s, 2 * n ** 3 * T, out["check"])


def lyapunov(n, T):
    W = torch.randn(n, n, dtype=DT) / n ** 0.5 * 1.5
    out = {}

    def run():
        h = torch.randn(n, dtype=DT) * 0.1
        Q = torch.eye(n, dtype=DT)
        acc = torch.zeros(n, dtype=DT)
        for t in range(T):
            h = torch.tanh(W @ h)
            Q = ((1 - h ** 2)[:, None] * W) @ Q
            Q, R = torch.linalg.qr(Q)
            acc += torch.log(torch.abs(torch.diagonal(R)))
        out["check"] = float(acc.max() / T)

    s = median_time(run, 1 if QUICK else 3)
    emit("lyapunov", n, 1, T, s, 4 * n ** 3 * T, out["check"])


def matmul(n):
    a = np.random.rand(n, n).astype(np.float32 if FLOAT32 else np.float64)
    b = np.random.rand(n, n).astype(a.dtype)
    reps = max(1, int(2e9 / (2 * n ** 3)))
    s = median_time(lambda: [a @ b for _ in range(reps)], 3)
    print(json.dumps({"impl": "numpy", "workload": "matmul" + SUFFIX, "n": n, "B": n, "T": 1,
                      "usPerStep": s / reps * 1e6, "gflops": 2 * n ** 3 * reps / s / 1e9}), flush=True)


if __name__ == "__main__":
    T = 200 if QUICK else 1000
    ONLY = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None

    def want(w):
        # a float32 pass answers to the "-f32" names only, a float64 pass to the plain ones
        if ONLY is not None:
            return ONLY == w + SUFFIX
        return not FLOAT32 or w in F32_WORKLOADS

    if want("rnn-bptt"):
        for n in [8, 32, 128, 512]:
            for B in [1, 32]:
                rnn_bptt(n, B, T)
    if want("lstm-bptt"):
        for n in [8, 32, 128, 512]:
            for B in [1, 32]:
                lstm_bptt(n, B, T)
    if want("gru-bptt"):
        for n in [8, 32, 128, 512]:
            for B in [1, 32]:
                gru_bptt(n, B, T)
    if want("jacobian-norms"):
        for n in [32, 128, 512]:
            jacobian_norms(n, T if n < 512 else T // 5)
    if want("lyapunov"):
        for n in [32, 128, 512]:
            lyapunov(n, T if n < 512 else T // 5)
    for kind in ["lstm", "gru"]:
        if want("lyapunov-" + kind):
            lyapunov_cell(kind, 128, T // 5)
    if want("matmul"):
        for n in [128, 512]:
            matmul(n)
