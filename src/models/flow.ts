/**
 * The contract for smooth parametrised dynamical systems: flows dx/dt = f(x, p) and maps
 * x_{t+1} = f(x, p), with x in R^n and a named parameter vector p. A model (one-neuron, CTRNN,
 * discrete network) knows only its own equations and their derivatives; everything else is
 * written once against this contract: the RK4 integrator and its discrete adjoint (below), and in
 * src/dynamics Newton's method, stability, continuation of equilibria and the location of folds,
 * Hopf, flip and Neimark-Sacker points (the `jacobian(problem, x, p)` entry of BifurcationKit.jl).
 *
 * Derivatives (all at (x, p), written into `out` and returned; row-major n x n for matrices):
 * - `jacobian`             A = D_x f
 * - `parameterDerivative`  f_{p_k} = df/dp_k
 * - `vectorJacobianProduct` (A^T g, f_p^T g): what the adjoint needs, in O(n^2) for all parameters
 * - `secondDerivative`     B(u, v) = D_x^2 f[u, v]
 * - `thirdDerivative`      C(u, v, w) = D_x^3 f[u, v, w]
 * - `mixedDerivative`      d/dp_k (A v)
 * The last three are what the augmented systems of bifurcation theory and the normal-form
 * coefficients need (Kuznetsov 2004, Elements of Applied Bifurcation Theory, ch. 3 and 8). They are
 * optional: src/dynamics/derivatives.ts falls back on central differences of the Jacobian.
 */

export type TimeKind = 'continuous' | 'discrete';

export interface DynamicalSystem {
  /** 'continuous': dx/dt = f(x, p) (a flow); 'discrete': x_{t+1} = f(x, p) (a map). */
  readonly time: TimeKind;
  /** State dimension n. */
  readonly dimension: number;
  /** Names of the entries of p, in order (e.g. 'w11', 'theta1', 'I1', 'tau1'). */
  readonly parameterNames: readonly string[];
  /** f(x, p). */
  field(x: Float64Array, p: Float64Array, out: Float64Array): Float64Array;
  /** A = D_x f(x, p), n x n row-major. */
  jacobian(x: Float64Array, p: Float64Array, out: Float64Array): Float64Array;
  /** df/dp_k. */
  parameterDerivative(x: Float64Array, p: Float64Array, k: number, out: Float64Array): Float64Array;
  /** gx = A^T g and gp = (df/dp)^T g (both overwritten): one vector-Jacobian product. */
  vectorJacobianProduct(x: Float64Array, p: Float64Array, g: Float64Array, gx: Float64Array, gp: Float64Array): void;
  /** B(u, v) = sum_jk d^2 f / dx_j dx_k u_j v_k. */
  secondDerivative?(x: Float64Array, p: Float64Array, u: Float64Array, v: Float64Array, out: Float64Array): Float64Array;
  /** C(u, v, w) = sum_jkl d^3 f / dx_j dx_k dx_l u_j v_k w_l. */
  thirdDerivative?(x: Float64Array, p: Float64Array, u: Float64Array, v: Float64Array, w: Float64Array, out: Float64Array): Float64Array;
  /** d/dp_k (A v) at fixed v. */
  mixedDerivative?(x: Float64Array, p: Float64Array, k: number, v: Float64Array, out: Float64Array): Float64Array;
}

/** A flow dx/dt = f(x, p). */
export interface Flow extends DynamicalSystem {
  readonly time: 'continuous';
}

/** A map x_{t+1} = f(x, p). */
export interface DiscreteMap extends DynamicalSystem {
  readonly time: 'discrete';
}

/**
 * The index of a parameter by name.
 *
 * @throws Error listing the system's parameter names when `name` is not one of them.
 */
export function parameterIndex(system: DynamicalSystem, name: string): number {
  const k = system.parameterNames.indexOf(name);
  if (k < 0) throw new Error(`unknown parameter "${name}": expected one of ${system.parameterNames.join(', ')}`);
  return k;
}

/** Work vectors of one RK4 step of an n-dimensional flow: the four slopes and a stage state. */
export interface Rk4Workspace {
  k1: Float64Array;
  k2: Float64Array;
  k3: Float64Array;
  k4: Float64Array;
  stage: Float64Array;
}

export function rk4Workspace(n: number): Rk4Workspace {
  return { k1: new Float64Array(n), k2: new Float64Array(n), k3: new Float64Array(n), k4: new Float64Array(n), stage: new Float64Array(n) };
}

/**
 * One classical Runge-Kutta step of dx/dt = f(x, p): k1 = f(x), k2 = f(x + dt/2 k1),
 * k3 = f(x + dt/2 k2), k4 = f(x + dt k3), x' = x + dt/6 (k1 + 2 k2 + 2 k3 + k4). `out` may be `x`.
 * With `stages` (3n entries) the stage states x2, x3, x4 are kept for the adjoint.
 *
 * @example rk4Step(ctrnn, y, p, 0.01, y, ws) // advances y in place by 0.01
 */
export function rk4Step(
  flow: Flow,
  x: Float64Array,
  p: Float64Array,
  dt: number,
  out: Float64Array,
  ws: Rk4Workspace,
  stages?: Float64Array,
  stagesOff = 0,
): Float64Array {
  const n = flow.dimension;
  const { k1, k2, k3, k4, stage } = ws;
  const h = 0.5 * dt;
  flow.field(x, p, k1);
  for (let i = 0; i < n; i++) stage[i] = x[i]! + h * k1[i]!;
  if (stages) stages.set(stage, stagesOff);
  flow.field(stage, p, k2);
  for (let i = 0; i < n; i++) stage[i] = x[i]! + h * k2[i]!;
  if (stages) stages.set(stage, stagesOff + n);
  flow.field(stage, p, k3);
  for (let i = 0; i < n; i++) stage[i] = x[i]! + dt * k3[i]!;
  if (stages) stages.set(stage, stagesOff + 2 * n);
  flow.field(stage, p, k4);
  for (let i = 0; i < n; i++) out[i] = x[i]! + (dt / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!);
  return out;
}

/**
 * RK4 for any flow with its tape, and the discrete adjoint: backpropagation through the very steps
 * taken, so the gradients are the exact derivatives of the computed trajectory (up to round-off).
 * The tape keeps, per step, the state x_k and the stage states x2, x3, x4 (4n numbers); the slopes
 * are recomputed from them in the backward pass through `vectorJacobianProduct`.
 *
 * Backward through one step, from g = dL/dx_{k+1}: gk1 = gk4 = g dt/6, gk2 = gk3 = g dt/3; then for
 * stage 4, 3, 2, 1 (stage state x_i = x + c_i dt k_{i-1}) the product A(x_i)^T gk_i goes to x and,
 * times c_i dt, to k_{i-1}; (df/dp)^T gk_i adds to dL/dp.
 *
 * For the one-neuron network this is the same arithmetic, in the same order, as OneNeuronFlow
 * (test/models/flow.test.ts checks the bits).
 *
 * @example
 * const run = new FlowIntegrator(ctrnn, 1000);
 * run.forward(y0, p, 0.01, 1000); // y(10)
 * run.backward(dLdy, gy0, gp);    // dL/dy(0), dL/dp
 */
export class FlowIntegrator {
  readonly flow: Flow;
  readonly capacity: number;
  private readonly xs: Float64Array;
  private readonly st: Float64Array;
  private readonly ws: Rk4Workspace;
  private readonly g: Float64Array;
  private readonly gx: Float64Array;
  private readonly gk: Float64Array[];
  private readonly a: Float64Array;
  private readonly bp: Float64Array;
  private p: Float64Array = new Float64Array(0);
  private dt = 0;
  private n = 0;

  constructor(flow: Flow, capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`FlowIntegrator: capacity must be a positive integer, got ${capacity}`);
    const d = flow.dimension;
    this.flow = flow;
    this.capacity = capacity;
    this.xs = new Float64Array((capacity + 1) * d);
    this.st = new Float64Array(capacity * 3 * d);
    this.ws = rk4Workspace(d);
    this.g = new Float64Array(d);
    this.gx = new Float64Array(d);
    this.gk = [new Float64Array(d), new Float64Array(d), new Float64Array(d), new Float64Array(d)];
    this.a = new Float64Array(d);
    this.bp = new Float64Array(flow.parameterNames.length);
  }

  /**
   * Integrate `steps` RK4 steps of size dt from x0 and keep the tape; returns x(T) (a view: copy to keep).
   *
   * @throws Error when steps exceeds the capacity or dt is not positive.
   */
  forward(x0: ArrayLike<number>, p: Float64Array, dt: number, steps: number): Float64Array {
    if (!Number.isInteger(steps) || steps < 0 || steps > this.capacity) {
      throw new Error(`FlowIntegrator.forward: steps must be an integer in [0, ${this.capacity}], got ${steps}`);
    }
    if (!(dt > 0)) throw new Error(`FlowIntegrator.forward: dt must be positive, got ${dt}`);
    const d = this.flow.dimension;
    this.p = p;
    this.dt = dt;
    this.n = steps;
    const xs = this.xs;
    for (let i = 0; i < d; i++) xs[i] = x0[i]!;
    for (let k = 0; k < steps; k++) {
      rk4Step(this.flow, xs.subarray(k * d, (k + 1) * d), p, dt, xs.subarray((k + 1) * d, (k + 2) * d), this.ws, this.st, k * 3 * d);
    }
    return xs.subarray(steps * d, (steps + 1) * d);
  }

  /** Number of steps of the last forward pass. */
  get steps(): number {
    return this.n;
  }

  /** The state x_k of the last forward pass (a view into the tape). */
  state(k: number): Float64Array {
    const d = this.flow.dimension;
    return this.xs.subarray(k * d, (k + 1) * d);
  }

  /**
   * Discrete adjoint of the last forward pass. `dLdx` holds dL/dx_k for k = 0..N as (N + 1) rows of
   * n (a loss on every step), or just the n entries of dL/dx_N (a loss on the final state).
   * Writes dL/dx_0 into gx0 and dL/dp into gp (overwritten).
   */
  backward(dLdx: Float64Array, gx0: Float64Array, gp: Float64Array): void {
    const { flow, dt, n: N, xs, st, p, g, gx, a, bp } = this;
    const d = flow.dimension;
    const perStep = dLdx.length === (N + 1) * d;
    if (!perStep && dLdx.length !== d) throw new Error(`FlowIntegrator.backward: dLdx must have ${d} or ${(N + 1) * d} entries, got ${dLdx.length}`);
    const [gk1, gk2, gk3, gk4] = this.gk as [Float64Array, Float64Array, Float64Array, Float64Array];
    const c6 = dt / 6;
    const c3 = dt / 3;
    const h = 0.5 * dt;
    gp.fill(0);
    for (let i = 0; i < d; i++) g[i] = dLdx[(perStep ? N * d : 0) + i]!;
    for (let k = N - 1; k >= 0; k--) {
      const o = k * 3 * d;
      for (let i = 0; i < d; i++) {
        const gi = g[i]!;
        gx[i] = gi;
        gk1[i] = gi * c6;
        gk2[i] = gi * c3;
        gk3[i] = gi * c3;
        gk4[i] = gi * c6;
      }
      // stage 4: k4 = f(x4), x4 = x + dt k3
      flow.vectorJacobianProduct(st.subarray(o + 2 * d, o + 3 * d), p, gk4, a, bp);
      for (let j = 0; j < bp.length; j++) gp[j]! += bp[j]!;
      for (let i = 0; i < d; i++) {
        gx[i]! += a[i]!;
        gk3[i]! += dt * a[i]!;
      }
      // stage 3: x3 = x + dt/2 k2
      flow.vectorJacobianProduct(st.subarray(o + d, o + 2 * d), p, gk3, a, bp);
      for (let j = 0; j < bp.length; j++) gp[j]! += bp[j]!;
      for (let i = 0; i < d; i++) {
        gx[i]! += a[i]!;
        gk2[i]! += h * a[i]!;
      }
      // stage 2: x2 = x + dt/2 k1
      flow.vectorJacobianProduct(st.subarray(o, o + d), p, gk2, a, bp);
      for (let j = 0; j < bp.length; j++) gp[j]! += bp[j]!;
      for (let i = 0; i < d; i++) {
        gx[i]! += a[i]!;
        gk1[i]! += h * a[i]!;
      }
      // stage 1: k1 = f(x)
      flow.vectorJacobianProduct(xs.subarray(k * d, (k + 1) * d), p, gk1, a, bp);
      for (let j = 0; j < bp.length; j++) gp[j]! += bp[j]!;
      for (let i = 0; i < d; i++) g[i] = gx[i]! + a[i]!;
      if (perStep) for (let i = 0; i < d; i++) g[i]! += dLdx[k * d + i]!;
    }
    gx0.set(g);
  }
}
