/**
 * The one-neuron recurrent network of Doya (1992), "Bifurcations in the learning of recurrent
 * neural networks" (Proc. IEEE ISCAS), in continuous time
 *
 *     dx/dt = -x + sigma(w x + b + u(t)),
 *
 * integrated with the classical Runge-Kutta scheme (RK4) or with explicit Euler at a fixed step dt,
 * and as the discrete map
 *
 *     x_{t+1} = sigma(w x_t + b).
 *
 * Forward pass, backward pass and Jacobian sit together here (one file per model). The backward
 * pass is the discrete adjoint: backpropagation through the very RK4/Euler steps the forward pass
 * took, so its gradients are the exact derivatives of the computed x(T) (up to round-off), not of
 * the exact flow. From dL/dx(T) it returns dL/dx(0), dL/dw and dL/db; with dL/dx(T) = 1 the first is
 * the sensitivity dx(T)/dx(0), which `sensitivity()` also computes as the product of the per-step
 * derivatives dx_{n+1}/dx_n (an independent route, used by the tests).
 *
 * What the forward pass keeps (tfjs-core habit): the states x_n (n = 0..N) and, per RK4 step, the
 * stage states x2, x3, x4 and the stage outputs s1..s4 (s_i = sigma(w x_i + b + u_i)); per Euler
 * step the output s. Derivatives use sigma' = s (1 - s) from the saved outputs, so the backward pass
 * never calls exp. The tape is allocated once, for `capacity` steps.
 *
 * Input u: an array gives u_n held constant over step n (piecewise constant, the usual
 * discretisation of a sampled input); a function of t is evaluated at the stage times t_n,
 * t_n + dt/2 and t_n + dt (RK4) or t_n (Euler). Default: u = 0.
 */
import { sigmoid } from '../activations/index.ts';
import type { DiscreteMap, Flow } from './flow.ts';

export type Integrator = 'rk4' | 'euler';

/** External input u(t): per step (held over the step) or a function of time. */
export type Drive = ArrayLike<number> | ((t: number) => number);

/** Gradients of a loss L(x(T)) given dL/dx(T). */
export interface OneNeuronGradient {
  /** dL/dx(0). */
  dx0: number;
  /** dL/dw. */
  dw: number;
  /** dL/db. */
  db: number;
}

/** Settings of one integration: weights, initial state, step, horizon, scheme, input. */
export interface FlowRun {
  w: number;
  b: number;
  x0: number;
  /** Step size dt > 0. */
  dt: number;
  /** Number of steps N; T = N dt. */
  steps: number;
  method: Integrator;
  u?: Drive;
}

/** Values stored per RK4 step: x2, x3, x4, s1, s2, s3, s4. */
const RK4_STRIDE = 7;

/**
 * One RK4 step of dx/dt = -x + sigma(w x + b + u) without a tape, for long runs that need only the
 * path (hysteresis ramps). u1, u2, u3 are the input at t, t + dt/2, t + dt.
 *
 * @example stepRK4(0.5, 5, -2.5, 0, 0, 0, 0.1) // 0.5 (the middle equilibrium)
 */
export function stepRK4(x: number, w: number, b: number, u1: number, u2: number, u3: number, dt: number): number {
  const k1 = -x + sigmoid(w * x + b + u1);
  const x2 = x + 0.5 * dt * k1;
  const k2 = -x2 + sigmoid(w * x2 + b + u2);
  const x3 = x + 0.5 * dt * k2;
  const k3 = -x3 + sigmoid(w * x3 + b + u2);
  const x4 = x + dt * k3;
  const k4 = -x4 + sigmoid(w * x4 + b + u3);
  return x + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
}

/**
 * One explicit Euler step, x' = x + dt (-x + sigma(w x + b + u)). Its derivatives, used by the tests
 * as the closed form: dx'/dx = 1 + dt (-1 + w s (1 - s)), dx'/db = dt s (1 - s), dx'/dw = dt s (1 - s) x.
 */
export function stepEuler(x: number, w: number, b: number, u: number, dt: number): number {
  return x + dt * (-x + sigmoid(w * x + b + u));
}

/**
 * Stability function R(z) of the integrator, z = lambda dt: one step maps a perturbation y of the
 * linear equation dy/dt = lambda y to R(z) y. RK4: 1 + z + z^2/2 + z^3/6 + z^4/24; Euler: 1 + z.
 * Started on an equilibrium with eigenvalue lambda, N steps give dx(T)/dx(0) = R(lambda dt)^N
 * (-> e^{lambda T} as dt -> 0), and dx(T)/db = (s(1-s)/lambda) (R^N - 1) since every Runge-Kutta
 * scheme keeps the equilibrium of the linearised equation.
 *
 * @example amplification('rk4', 0.25 * 0.05) ** 400 // 148.41316 ~ e^5
 */
export function amplification(method: Integrator, z: number): number {
  return method === 'rk4' ? 1 + z * (1 + z * (0.5 + z * (1 / 6 + z / 24))) : 1 + z;
}

/**
 * The continuous-time one-neuron network with its tape (forward, discrete adjoint, sensitivity).
 *
 * @example
 * const flow = new OneNeuronFlow(1000);
 * flow.forward({ w: 5, b: -2.5, x0: 0.5, dt: 0.05, steps: 400, method: 'rk4' }); // 0.5 (T = 20)
 * flow.backward(1).db; // 147.41 ~ e^{T/4} - 1: growth at the middle equilibrium's rate 1/4
 * flow.sensitivity(); // 148.41 ~ e^{T/4}
 */
export class OneNeuronFlow {
  /** Largest number of steps a run may take (the tape's size). */
  readonly capacity: number;
  private readonly xs: Float64Array;
  private readonly stage: Float64Array;
  private w = 0;
  private dt = 0;
  private n = 0;
  private method: Integrator = 'rk4';

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`OneNeuronFlow: capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.xs = new Float64Array(capacity + 1);
    this.stage = new Float64Array(capacity * RK4_STRIDE);
  }

  /**
   * Integrate from x(0) = x0 for `steps` steps and keep the tape; returns x(T).
   *
   * @throws Error when steps exceeds the capacity, or dt is not positive.
   */
  forward(run: FlowRun): number {
    const { w, b, x0, dt, steps, method, u } = run;
    if (!Number.isInteger(steps) || steps < 0 || steps > this.capacity) {
      throw new Error(`OneNeuronFlow.forward: steps must be an integer in [0, ${this.capacity}], got ${steps}`);
    }
    if (!(dt > 0)) throw new Error(`OneNeuronFlow.forward: dt must be positive, got ${dt}`);
    this.w = w;
    this.dt = dt;
    this.n = steps;
    this.method = method;
    const xs = this.xs;
    const st = this.stage;
    const uf = typeof u === 'function' ? u : undefined;
    const ua = typeof u === 'function' ? undefined : u;
    xs[0] = x0;
    let x = x0;
    if (method === 'rk4') {
      const h = 0.5 * dt;
      for (let k = 0; k < steps; k++) {
        let u1 = 0;
        let u2 = 0;
        let u3 = 0;
        if (ua !== undefined) {
          u1 = u2 = u3 = ua[k]!;
        } else if (uf !== undefined) {
          const t = k * dt;
          u1 = uf(t);
          u2 = uf(t + h);
          u3 = uf(t + dt);
        }
        const s1 = sigmoid(w * x + b + u1);
        const k1 = s1 - x;
        const x2 = x + h * k1;
        const s2 = sigmoid(w * x2 + b + u2);
        const k2 = s2 - x2;
        const x3 = x + h * k2;
        const s3 = sigmoid(w * x3 + b + u2);
        const k3 = s3 - x3;
        const x4 = x + dt * k3;
        const s4 = sigmoid(w * x4 + b + u3);
        const k4 = s4 - x4;
        const o = k * RK4_STRIDE;
        st[o] = x2;
        st[o + 1] = x3;
        st[o + 2] = x4;
        st[o + 3] = s1;
        st[o + 4] = s2;
        st[o + 5] = s3;
        st[o + 6] = s4;
        x = x + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
        xs[k + 1] = x;
      }
    } else {
      for (let k = 0; k < steps; k++) {
        const uk = ua !== undefined ? ua[k]! : uf !== undefined ? uf(k * dt) : 0;
        const s = sigmoid(w * x + b + uk);
        st[k * RK4_STRIDE + 3] = s;
        x = x + dt * (s - x);
        xs[k + 1] = x;
      }
    }
    return x;
  }

  /** The states x_0..x_N of the last forward pass (a view into the tape: copy to keep). */
  get states(): Float64Array {
    return this.xs.subarray(0, this.n + 1);
  }

  /**
   * Discrete adjoint of the last forward pass: from gT = dL/dx(T), backpropagate through each
   * step (last to first) and accumulate dL/dw and dL/db.
   *
   * RK4 step, backward (the reverse of the stage recursion; j_i = -1 + w s_i (1 - s_i) is df/dx at
   * stage i): gk1 = gk4 = g dt/6, gk2 = gk3 = g dt/3; then for i = 4, 3, 2 the stage state
   * x_i = x + c_i dt k_{i-1} sends gk_i j_i back to x and c_i dt gk_i j_i to k_{i-1}; each stage adds
   * gk_i s_i (1 - s_i) to dL/db and gk_i s_i (1 - s_i) x_i to dL/dw.
   */
  backward(gT: number): OneNeuronGradient {
    const { w, dt, n, xs } = this;
    const st = this.stage;
    let g = gT;
    let gw = 0;
    let gb = 0;
    if (this.method === 'rk4') {
      const c6 = dt / 6;
      const c3 = dt / 3;
      const h = 0.5 * dt;
      for (let k = n - 1; k >= 0; k--) {
        const o = k * RK4_STRIDE;
        const x1 = xs[k]!;
        const x2 = st[o]!;
        const x3 = st[o + 1]!;
        const x4 = st[o + 2]!;
        const s1 = st[o + 3]!;
        const s2 = st[o + 4]!;
        const s3 = st[o + 5]!;
        const s4 = st[o + 6]!;
        const d1 = s1 * (1 - s1);
        const d2 = s2 * (1 - s2);
        const d3 = s3 * (1 - s3);
        const d4 = s4 * (1 - s4);
        let gx = g;
        let gk1 = g * c6;
        let gk2 = g * c3;
        let gk3 = g * c3;
        const gk4 = g * c6;
        // stage 4: k4 = f(x4), x4 = x + dt k3
        gw += gk4 * d4 * x4;
        gb += gk4 * d4;
        const gx4 = gk4 * (-1 + w * d4);
        gx += gx4;
        gk3 += dt * gx4;
        // stage 3: x3 = x + dt/2 k2
        gw += gk3 * d3 * x3;
        gb += gk3 * d3;
        const gx3 = gk3 * (-1 + w * d3);
        gx += gx3;
        gk2 += h * gx3;
        // stage 2: x2 = x + dt/2 k1
        gw += gk2 * d2 * x2;
        gb += gk2 * d2;
        const gx2 = gk2 * (-1 + w * d2);
        gx += gx2;
        gk1 += h * gx2;
        // stage 1: k1 = f(x)
        gw += gk1 * d1 * x1;
        gb += gk1 * d1;
        gx += gk1 * (-1 + w * d1);
        g = gx;
      }
    } else {
      for (let k = n - 1; k >= 0; k--) {
        const s = st[k * RK4_STRIDE + 3]!;
        const d = s * (1 - s);
        const gd = g * dt * d;
        gw += gd * xs[k]!;
        gb += gd;
        g = g * (1 + dt * (-1 + w * d));
      }
    }
    return { dx0: g, dw: gw, db: gb };
  }

  /**
   * The per-step derivatives J_n = dx_{n+1}/dx_n of the last forward pass, by forward-mode
   * differentiation of each step: for RK4, with j_i = -1 + w s_i (1 - s_i),
   * J = 1 + dt/6 (j1 + 2 j2 (1 + dt/2 j1) + 2 j3 (1 + dt/2 dk2) + j4 (1 + dt dk3));
   * for Euler, J = 1 + dt j.
   */
  stepDerivatives(out: Float64Array = new Float64Array(this.n)): Float64Array {
    const { w, dt, n } = this;
    const st = this.stage;
    const h = 0.5 * dt;
    for (let k = 0; k < n; k++) {
      const o = k * RK4_STRIDE;
      if (this.method === 'rk4') {
        const s1 = st[o + 3]!;
        const s2 = st[o + 4]!;
        const s3 = st[o + 5]!;
        const s4 = st[o + 6]!;
        const dk1 = -1 + w * s1 * (1 - s1);
        const dk2 = (-1 + w * s2 * (1 - s2)) * (1 + h * dk1);
        const dk3 = (-1 + w * s3 * (1 - s3)) * (1 + h * dk2);
        const dk4 = (-1 + w * s4 * (1 - s4)) * (1 + dt * dk3);
        out[k] = 1 + (dt / 6) * (dk1 + 2 * dk2 + 2 * dk3 + dk4);
      } else {
        const s = st[o + 3]!;
        out[k] = 1 + dt * (-1 + w * s * (1 - s));
      }
    }
    return out;
  }

  /** dx(T)/dx(0) of the last forward pass as the product of the per-step derivatives. */
  sensitivity(): number {
    const { w, dt, n } = this;
    const st = this.stage;
    const h = 0.5 * dt;
    let p = 1;
    for (let k = 0; k < n; k++) {
      const o = k * RK4_STRIDE;
      if (this.method === 'rk4') {
        const s1 = st[o + 3]!;
        const s2 = st[o + 4]!;
        const s3 = st[o + 5]!;
        const s4 = st[o + 6]!;
        const dk1 = -1 + w * s1 * (1 - s1);
        const dk2 = (-1 + w * s2 * (1 - s2)) * (1 + h * dk1);
        const dk3 = (-1 + w * s3 * (1 - s3)) * (1 + h * dk2);
        const dk4 = (-1 + w * s4 * (1 - s4)) * (1 + dt * dk3);
        p *= 1 + (dt / 6) * (dk1 + 2 * dk2 + 2 * dk3 + dk4);
      } else {
        const s = st[o + 3]!;
        p *= 1 + dt * (-1 + w * s * (1 - s));
      }
    }
    return p;
  }
}

/**
 * The discrete one-neuron map x_{t+1} = sigma(w x_t + b) with its tape, backpropagation through
 * time and Jacobian. Per-step derivative dx_{t+1}/dx_t = w s_t (1 - s_t) with s_t = x_{t+1}, so the
 * tape is just the states.
 *
 * @example
 * const map = new OneNeuronMap(100);
 * map.forward(5, -2.5, 0.5, 50); // 0.5 (the middle fixed point)
 * map.sensitivity(); // (5/4)^50 = 7.0e4: the fixed point's multiplier w/4 to the 50th power
 */
export class OneNeuronMap {
  readonly capacity: number;
  private readonly xs: Float64Array;
  private w = 0;
  private n = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`OneNeuronMap: capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.xs = new Float64Array(capacity + 1);
  }

  /** Iterate the map `steps` times from x0; returns x_steps. */
  forward(w: number, b: number, x0: number, steps: number): number {
    if (!Number.isInteger(steps) || steps < 0 || steps > this.capacity) {
      throw new Error(`OneNeuronMap.forward: steps must be an integer in [0, ${this.capacity}], got ${steps}`);
    }
    this.w = w;
    this.n = steps;
    const xs = this.xs;
    let x = x0;
    xs[0] = x;
    for (let t = 0; t < steps; t++) {
      x = sigmoid(w * x + b);
      xs[t + 1] = x;
    }
    return x;
  }

  get states(): Float64Array {
    return this.xs.subarray(0, this.n + 1);
  }

  /** Backpropagation through time from gT = dL/dx_N: dL/dx_0, dL/dw, dL/db. */
  backward(gT: number): OneNeuronGradient {
    const { w, n, xs } = this;
    let g = gT;
    let gw = 0;
    let gb = 0;
    for (let t = n - 1; t >= 0; t--) {
      const s = xs[t + 1]!;
      const ga = g * s * (1 - s);
      gw += ga * xs[t]!;
      gb += ga;
      g = ga * w;
    }
    return { dx0: g, dw: gw, db: gb };
  }

  /** dx_N/dx_0 as the product of the multipliers w s_t (1 - s_t). */
  sensitivity(): number {
    const { w, n, xs } = this;
    let p = 1;
    for (let t = 1; t <= n; t++) {
      const s = xs[t]!;
      p *= w * s * (1 - s);
    }
    return p;
  }
}

/** sigma(a) and its first three derivatives from s = sigma(a): s(1 - s), s(1 - s)(1 - 2s), s(1 - s)(1 - 6s + 6s^2). */
function sigmoidDerivatives(a: number): [number, number, number, number] {
  const s = sigmoid(a);
  const d1 = s * (1 - s);
  return [s, d1, d1 * (1 - 2 * s), d1 * (1 - 6 * s + 6 * s * s)];
}

/**
 * The one-neuron vector field f(x; w, b) = -x + sigma(w x + b) under the Flow contract, parameters
 * (w, b): the Doya network as a special case of the general dynamics code (src/dynamics), whose
 * fold points and cusp must reproduce the closed forms of src/dynamics/folds.ts. Its
 * vector-Jacobian product is written with OneNeuronFlow's expressions, so FlowIntegrator on this
 * field takes the same steps, bit for bit.
 *
 * @example oneNeuronField.field(Float64Array.of(0.5), Float64Array.of(5, -2.5), out) // [0]: the middle equilibrium
 */
export const oneNeuronField: Flow = {
  time: 'continuous',
  dimension: 1,
  parameterNames: ['w', 'b'],
  field(x, p, out) {
    out[0] = -x[0]! + sigmoid(p[0]! * x[0]! + p[1]!);
    return out;
  },
  jacobian(x, p, out) {
    const s = sigmoid(p[0]! * x[0]! + p[1]!);
    out[0] = -1 + p[0]! * s * (1 - s);
    return out;
  },
  parameterDerivative(x, p, k, out) {
    const s = sigmoid(p[0]! * x[0]! + p[1]!);
    out[0] = k === 0 ? s * (1 - s) * x[0]! : s * (1 - s);
    return out;
  },
  vectorJacobianProduct(x, p, g, gx, gp) {
    const w = p[0]!;
    const s = sigmoid(w * x[0]! + p[1]!);
    const d = s * (1 - s);
    gp[0] = g[0]! * d * x[0]!;
    gp[1] = g[0]! * d;
    gx[0] = g[0]! * (-1 + w * d);
  },
  secondDerivative(x, p, u, v, out) {
    const w = p[0]!;
    out[0] = w * w * sigmoidDerivatives(w * x[0]! + p[1]!)[2] * u[0]! * v[0]!;
    return out;
  },
  thirdDerivative(x, p, u, v, z, out) {
    const w = p[0]!;
    out[0] = w * w * w * sigmoidDerivatives(w * x[0]! + p[1]!)[3] * u[0]! * v[0]! * z[0]!;
    return out;
  },
  mixedDerivative(x, p, k, v, out) {
    const w = p[0]!;
    const [, d1, d2] = sigmoidDerivatives(w * x[0]! + p[1]!);
    out[0] = (k === 0 ? d1 + w * d2 * x[0]! : w * d2) * v[0]!;
    return out;
  },
};

/**
 * The one-neuron map x -> sigma(w x + b) under the DiscreteMap contract, parameters (w, b). Its
 * fixed points are the flow's equilibria; its multiplier is w s (1 - s) = 1 + (the flow's eigenvalue).
 */
export const oneNeuronMapSystem: DiscreteMap = {
  time: 'discrete',
  dimension: 1,
  parameterNames: ['w', 'b'],
  field(x, p, out) {
    out[0] = sigmoid(p[0]! * x[0]! + p[1]!);
    return out;
  },
  jacobian(x, p, out) {
    const s = sigmoid(p[0]! * x[0]! + p[1]!);
    out[0] = p[0]! * s * (1 - s);
    return out;
  },
  parameterDerivative: oneNeuronField.parameterDerivative,
  vectorJacobianProduct(x, p, g, gx, gp) {
    const w = p[0]!;
    const s = sigmoid(w * x[0]! + p[1]!);
    const d = s * (1 - s);
    gp[0] = g[0]! * d * x[0]!;
    gp[1] = g[0]! * d;
    gx[0] = g[0]! * w * d;
  },
  secondDerivative: oneNeuronField.secondDerivative!,
  thirdDerivative: oneNeuronField.thirdDerivative!,
  mixedDerivative: oneNeuronField.mixedDerivative!,
};
