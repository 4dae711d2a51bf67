/**
 * Shared tolerances for the test suite. Each one says why it has its size; a test that needs a
 * looser bound adds a named entry here with its reason rather than a literal in the test.
 */
export const TOL = {
  /**
   * Symbolic derivative of a random expression against a central difference with h = 1e-6 (fuzz
   * test): truncation O(h^2 f''') and cancellation O(eps |f| / h) ~ 1e-10 relative, but random
   * compositions have large higher derivatives; 1e-4 still catches any wrong rule (errors O(1)).
   */
  fuzzDerivative: 1e-4,
  /** float64 round-off after O(1e3) flops on O(1) numbers. */
  roundoff: 1e-12,
  /**
   * The one-pass variance mean(x^2) - mean(x)^2 against the two-pass one, at the scale of mean(x^2):
   * the subtraction cancels up to all digits of mean(x)^2, so its own error is a few hundred ulps
   * of mean(x^2) for 50 values; 1e-10 is far below any wrong formula's error (O(var / n)).
   */
  varianceCancellation: 1e-10,
  /**
   * How far the first hidden layer's mean sigmoid activation may move from 1/2 in the small
   * activation-saturation run (800 SGD steps, width 24): its inputs are zero-mean and its weights
   * barely move while the top layer saturates (measured drift below 0.01); 0.05 is a tenth of the
   * distance the top layer travels towards 0, so a study that recorded the wrong layer fails.
   */
  firstLayerDrift: 0.05,
  /**
   * Central finite differences with step h ~ 1e-5 have truncation error O(h^2) ~ 1e-10 and
   * cancellation error O(eps/h) ~ 1e-11 relative; 1e-6 leaves room for ill-conditioned entries.
   */
  finiteDifference: 1e-6,
  /** Closed-form values quoted to 5 decimals in the literature (e.g. Doya's fold b = -2.65561). */
  quoted5: 5e-6,
  /** Values quoted to 4 decimals (published tables of confidence intervals): half a unit in the last place. */
  quoted4: 5e-5,
  /** Newton/bisection root solves run to 1e-12 in x; derived quantities keep ~1e-9. */
  rootSolve: 1e-9,
  /**
   * Distance to the minimiser accepted after the step budgets below: 1e-6 is far above round-off and
   * far below the initial distance (~1), so only a converging optimiser passes.
   */
  optimiserConverged: 1e-6,
  /**
   * Statistical tolerance: 4 standard errors of the sample mean (estimated from the sample itself).
   * With a fixed seed the test is deterministic; 4 sigma would be exceeded by chance with
   * probability 6e-5 for a fresh seed.
   */
  statisticalSigmas: 4,
  /**
   * The lag law is a leading-order asymptotic: the next correction is O(r) in b, i.e. relative
   * O(r^{1/3}) ~ 0.1 at r = 1e-3 (measured 3.7%) and ~0.05 at r = 1e-4 (measured 0.7%).
   */
  lagLawRelative: 0.05,
  /** Derivatives smaller than this are compared absolutely: FD round-off (~2e-13) over this is < 1e-6. */
  adjointAbsoluteFloor: 1e-6,
  /**
   * Entries whose gradient is below this fraction of the largest entry are compared absolutely at
   * that scale: their finite-difference estimate is dominated by cancellation noise
   * O(eps |L| / h) ~ 1e-11 |L|, so a relative comparison would measure noise, not the gradient.
   */
  bpttGradientFloor: 1e-4,
  /**
   * Per-entry relative error with an absolute floor: an entry below 1e-4 in size is compared with
   * absolute accuracy TOL.finiteDifference * 1e-4 = 1e-10, the truncation level of the h = 1e-5
   * central difference on O(1) functions (a purely relative test would ask more of a tiny entry than
   * the difference quotient can deliver).
   */
  lstmAbsoluteFloor: 1e-4,
  /**
   * lambda_1 from S = 1500 steps of one random network differs from its n -> infinity mean-field
   * value by O(1/sqrt(S)) sampling plus a finite-size bias (it lowers lambda_1: by 0.005 to 0.015
   * at n = 200 over seeds 1..3, by 0.02 to 0.04 at n = 100, so the mean-field comparison uses
   * n = 200); 0.03 keeps the sign tests meaningful (|lambda_1| >= 0.15 there).
   */
  lyapunovSampling: 0.03,
  /**
   * Power iteration stops when the estimate changes by at most 1e-13 relatively; its remaining
   * error is that change divided by 1 - (sigma_2/sigma_1)^4, so 1e-9 holds unless the two leading
   * singular values agree to within 1e-4 relatively, which the seeded draws here do not do.
   */
  powerIteration: 1e-9,
  /**
   * The project's gradients against torch.autograd in float64 on the same weights (issue 10): two
   * implementations of the same sums in different orders, ~1e3 flops per entry, so round-off of
   * ~1e-13 relative; 1e-10 leaves the margin the issue asks for and fails any wrong term.
   */
  torchFixture: 1e-10,
  /**
   * Exact cases of the analysis (product norms, exponents and gradient ratios known in closed form:
   * linear networks, the carousel, a copying GRU) computed through O(1e3) products, QR steps and
   * logarithms: round-off ~1e-13 that grows with the steps; 1e-10 is the bar for "exact".
   */
  exactCase: 1e-10,
  /** Entries of the torch fixtures below this size are compared absolutely (their sums cancel). */
  torchFixtureFloor: 1e-6,
  /**
   * Issue 13's target for located bifurcation points (folds, Hopf, flips, Neimark-Sacker, cusps,
   * Bogdanov-Takens) against closed forms and independent routes: Newton on the augmented systems
   * converges to residuals ~1e-14 and the test-function refinements to 1e-12 in arclength, so 1e-8
   * leaves four orders for conditioning (|x| and |p| of order 1 to 10).
   */
  bifurcationLocation: 1e-8,
  /** The continuation corrector stops at ||G||_inf <= 1e-11 (src/dynamics/continuation/pseudo-arclength.ts). */
  continuationResidual: 1e-11,
  /**
   * Normal-form predictions are leading-order asymptotics: at distance d from the bifurcation the
   * next correction is O(d) relative (measured 0.5% at d = 1e-3 for the Hopf cycle amplitude of
   * the 2-neuron CTRNN, 2% at 4e-3), so 1% at d = 1e-3.
   */
  normalFormRelative: 0.01,
  /**
   * Gauss-Hermite quadrature (200 points in 1D, 120 x 120 in 2D) of smooth integrands (erf, tanh at
   * q <= 4): the rule's error falls geometrically with the distance of the nearest complex
   * singularity; measured up to 1.4e-10 against the erf closed forms (q = 4, c = 0.95, where the
   * integrand is steepest), 1e-9 leaves room.
   */
  quadrature: 1e-9,
  /**
   * Gauss-Hermite on an integrand with a kink (ReLU along a slanted line of the 2D grid) converges
   * only algebraically: measured up to 2.2e-3 against the arc-cosine kernel with 120 x 120 points.
   * (meanFieldDepthScales never needs it: ReLU has no finite q* in its chaotic phase.)
   */
  hermiteKink: 5e-3,
  /**
   * The critical sigma_w^2 of tanh at zero bias: on the chaotic side q* ~ (sigma_w^2 - 1) / 2 and
   * chi_1 - 1 is only quadratic in sigma_w^2 - 1, so a residual of 1e-10 in chi_1 places the root
   * within ~1e-5 (measured 1.5e-5).
   */
  criticalLine: 1e-4,
  /**
   * A float32 RNN run (tanh, W with entries N(0, 0.81/n), T <= 30) against the float64 run of the
   * same float32 weights and inputs, as the error relative to the largest entry of the compared
   * vector (states, gradient blocks, norms). Each step's pre-activation sums k = n + m + 1 products:
   * worst case gamma_k (|W||h| + |U||x| + |b|) (Higham 2002, eq. 3.5), but rounding errors of random
   * sign grow like sqrt(k) u (Higham and Mary 2019, probabilistic rounding error analysis): at
   * n = 64, sums of magnitude ~8, sqrt(69) x 6e-8 x 8 ~ 4e-6 per step, and steps that contract on
   * average (gain 0.9, tanh' <= 1) keep the carried error at that level. Measured up to 4.8e-7 over
   * three configurations (n <= 64) and the float64 finite-difference check, and 1.7e-6 for dL/dh_0 at
   * n = 300, B = 1 (one row: no averaging over the batch, sums of 303 terms); 1e-5 is 6x the largest,
   * far below an O(1) error of a wrong term, and the tests also require the error to exceed float64
   * round-off. The float32 whole-run kernels need no tolerance of their own: they give the TypeScript
   * step's bits (test/models/rnn-float32-shares.test.ts).
   */
  float32Rnn: 1e-5,
  /**
   * A float32 LSTM or GRU run (orthogonal Wh, xavier Wx, random biases and peepholes, T <= 30)
   * against the float64 run of the same float32 weights and inputs, as the error relative to the largest entry
   * of the compared vector (states h and c, gradient blocks, dL/ds_0, norms, Jacobian products).
   * Each gate pre-activation sums k = n + m + 1 products in float32, as in float32Rnn; the
   * elementwise step adds one rounding per stored value (evaluated in float64, rounded once). The
   * 1997 cell's carousel (c_t = c_{t-1} + i g, dc_t/dc_{t-1} = 1) does not contract the rounding
   * errors of c as the tanh RNN does: they add up over the steps, with random signs like sqrt(T) u |c|.
   * The GRU's copying path (h_t = z h_{t-1} + ..., z near 1) likewise. Measured up to 1.2e-6 (1997
   * cell with scaled sigmoids, dL/dWh; the GRU up to 6.2e-7) over five LSTM variants and the GRU, B
   * up to 32, n up to 64 and the finite-difference and Jacobian-product checks; 1e-5 is 8x that, far below
   * an O(1) error of a wrong term, and the tests also require the error to exceed float64 round-off.
   */
  float32Gated: 1e-5,
  /**
   * findFixedPoints accepts a Newton-polished point when ||F(h) - h||_inf <= 1e-10 (its default
   * tolerance); a fixed point of O(1) coordinates is then reproduced by an independent forward step
   * to that level plus round-off (~1e-15).
   */
  fixedPoint: 1e-10,
} as const;

/** Unit roundoff of float32, u = 2^-24 (Higham 2002, sec. 2.1). */
export const U32 = 2 ** -24;

/** gamma_k = k u / (1 - k u), the factor of Higham's bounds for k successive roundings (Higham 2002, lemma 3.1). */
export function gamma(k: number, u = U32): number {
  return (k * u) / (1 - k * u);
}

/**
 * Bound on |C32 - C| per entry for a float32 GEMM of inner dimension k against the exact product of
 * the same float32 inputs, relative to |alpha| sum_p |a_ip||b_pj| + |beta| |c_ij|: a dot product
 * summed in order has |fl(x.y) - x.y| <= gamma_k |x|.|y| (Higham 2002, eq. 3.5); the blocked kernel
 * adds each KC = 256 block's sum into C after scaling it by alpha (two more roundings per block),
 * and beta C costs one: gamma_{k + 2 ceil(k/256) + 2}. Measured errors sit far below (random signs
 * make the error grow like sqrt(k) u, not k u), but this is the bound that holds for every input.
 */
export function float32GemmBound(k: number): number {
  return gamma(k + 2 * Math.ceil(k / 256) + 2);
}

/** |a - b| / max(|a|, |b|, floor): relative error with an absolute floor for values near 0. */
export function relativeError(a: number, b: number, floor = 1e-12): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

/** Largest relative error between two arrays, with the same floor. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, relativeError(a[i]!, b[i]!, floor));
  return m;
}
