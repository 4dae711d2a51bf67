/**
 * Hopf points of flows and Neimark-Sacker points of maps: an equilibrium whose Jacobian A has a
 * complex pair on the stability boundary, lambda = alpha(omega) +- i beta(omega) with
 *
 *     flows: (alpha, beta) = (0, omega)                 lambda = +- i omega
 *     maps:  (alpha, beta) = (cos omega, sin omega)     mu = e^{+- i omega}, |mu| = 1,
 *
 * located by Newton on the standard extended system (Kuznetsov 2004, sec. 10.2.2; Roose and
 * Hlavacek 1985) in the unknowns (x, v_re, v_im, omega, p), with A (v_re + i v_im) =
 * lambda (v_re + i v_im) written in real parts:
 *
 *     G(x, p) = 0
 *     A v_re - alpha v_re + beta v_im = 0
 *     A v_im - beta v_re - alpha v_im = 0
 *     c . v_re - 1 = 0,   c . v_im = 0          (normalisation and phase)
 *
 * 3n + 2 equations, regular at a nondegenerate Hopf / Neimark-Sacker point (omega != 0, and
 * omega != 0, pi/2, 2pi/3 for maps: no strong resonance). Its Jacobian, H_u = d/dx (A u):
 *
 *     [ G_x    0               0               0                       G_p         ]
 *     [ H_re   A - alpha I     beta I          -alpha' v_re + beta' v_im d/dp(A v_re) ]
 *     [ H_im   -beta I         A - alpha I     -beta' v_re - alpha' v_im d/dp(A v_im) ]
 *     [ 0      c^T             0               0                       0           ]
 *     [ 0      0               c^T             0                       0           ]
 *
 * With two free parameters the same equations trace the Hopf curve (src/dynamics/codim2); there,
 * omega passing through 0 marks a Bogdanov-Takens point (the pair becomes a double zero).
 */
import type { DynamicalSystem } from '../../models/flow.ts';
import { jacobianOfJacobianTimes, mixedDerivative } from '../derivatives.ts';
import { equilibriumResidual } from '../equilibrium-equation.ts';
import { newton, type NewtonOptions } from '../newton.ts';

/** (alpha, beta, alpha', beta') of the boundary eigenvalue at omega. */
function boundary(time: DynamicalSystem['time'], omega: number): [number, number, number, number] {
  return time === 'continuous' ? [0, omega, 0, 1] : [Math.cos(omega), Math.sin(omega), -Math.sin(omega), Math.cos(omega)];
}

export class ComplexPairSystem {
  readonly system: DynamicalSystem;
  readonly free: readonly number[];
  readonly equations: number;
  readonly size: number;
  readonly c: Float64Array;
  private readonly p: Float64Array;
  private readonly A: Float64Array;
  private readonly H: Float64Array;
  private readonly col: Float64Array;

  constructor(system: DynamicalSystem, p: Float64Array, free: readonly number[], c: Float64Array) {
    const n = system.dimension;
    this.system = system;
    this.free = free;
    this.equations = 3 * n + 2;
    this.size = 3 * n + 1 + free.length;
    this.c = Float64Array.from(c);
    this.p = Float64Array.from(p);
    this.A = new Float64Array(n * n);
    this.H = new Float64Array(n * n);
    this.col = new Float64Array(n);
  }

  pack(x: ArrayLike<number>, vRe: ArrayLike<number>, vIm: ArrayLike<number>, omega: number, p: ArrayLike<number>): Float64Array {
    const n = this.system.dimension;
    const z = new Float64Array(this.size);
    z.set(Array.from(x));
    z.set(Array.from(vRe), n);
    z.set(Array.from(vIm), 2 * n);
    z[3 * n] = omega;
    this.free.forEach((k, i) => (z[3 * n + 1 + i] = p[k]!));
    return z;
  }

  unpack(z: Float64Array): { x: Float64Array; vRe: Float64Array; vIm: Float64Array; omega: number; p: Float64Array } {
    const n = this.system.dimension;
    const p = Float64Array.from(this.p);
    this.free.forEach((k, i) => (p[k] = z[3 * n + 1 + i]!));
    return { x: z.subarray(0, n), vRe: z.subarray(n, 2 * n), vIm: z.subarray(2 * n, 3 * n), omega: z[3 * n]!, p };
  }

  residual(z: Float64Array, out: Float64Array): void {
    const sys = this.system;
    const n = sys.dimension;
    const { x, vRe, vIm, omega, p } = this.unpack(z);
    equilibriumResidual(sys, x, p, out.subarray(0, n));
    sys.jacobian(x, p, this.A);
    const [al, be] = boundary(sys.time, omega);
    let cr = -1;
    let ci = 0;
    for (let i = 0; i < n; i++) {
      let ar = 0;
      let ai = 0;
      for (let j = 0; j < n; j++) {
        ar += this.A[i * n + j]! * vRe[j]!;
        ai += this.A[i * n + j]! * vIm[j]!;
      }
      out[n + i] = ar - al * vRe[i]! + be * vIm[i]!;
      out[2 * n + i] = ai - be * vRe[i]! - al * vIm[i]!;
      cr += this.c[i]! * vRe[i]!;
      ci += this.c[i]! * vIm[i]!;
    }
    out[3 * n] = cr;
    out[3 * n + 1] = ci;
  }

  jacobian(z: Float64Array, out: Float64Array): void {
    const sys = this.system;
    const n = sys.dimension;
    const cols = this.size;
    const { x, vRe, vIm, omega, p } = this.unpack(z);
    const [al, be, dal, dbe] = boundary(sys.time, omega);
    out.fill(0);
    sys.jacobian(x, p, this.A);
    const shift = sys.time === 'discrete' ? 1 : 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = this.A[i * n + j]!;
        out[i * cols + j] = a - (i === j ? shift : 0);
        out[(n + i) * cols + n + j] = a - (i === j ? al : 0);
        out[(2 * n + i) * cols + 2 * n + j] = a - (i === j ? al : 0);
      }
      out[(n + i) * cols + 2 * n + i] = be;
      out[(2 * n + i) * cols + n + i] = -be;
      out[(n + i) * cols + 3 * n] = -dal * vRe[i]! + dbe * vIm[i]!;
      out[(2 * n + i) * cols + 3 * n] = -dbe * vRe[i]! - dal * vIm[i]!;
      out[3 * n * cols + n + i] = this.c[i]!;
      out[(3 * n + 1) * cols + 2 * n + i] = this.c[i]!;
    }
    jacobianOfJacobianTimes(sys, x, p, vRe, this.H);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[(n + i) * cols + j] = this.H[i * n + j]!;
    jacobianOfJacobianTimes(sys, x, p, vIm, this.H);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[(2 * n + i) * cols + j] = this.H[i * n + j]!;
    this.free.forEach((k, f) => {
      const c = 3 * n + 1 + f;
      sys.parameterDerivative(x, p, k, this.col);
      for (let i = 0; i < n; i++) out[i * cols + c] = this.col[i]!;
      mixedDerivative(sys, x, p, k, vRe, this.col);
      for (let i = 0; i < n; i++) out[(n + i) * cols + c] = this.col[i]!;
      mixedDerivative(sys, x, p, k, vIm, this.col);
      for (let i = 0; i < n; i++) out[(2 * n + i) * cols + c] = this.col[i]!;
    });
  }
}

export interface ComplexPairPoint {
  x: Float64Array;
  p: Float64Array;
  /** omega: the Hopf frequency (flows) or the Neimark-Sacker rotation angle in radians (maps). */
  omega: number;
  /** The eigenvector q = v_re + i v_im of lambda = i omega (or e^{i omega}). */
  vRe: Float64Array;
  vIm: Float64Array;
  converged: boolean;
  residual: number;
  iterations: number;
}

/**
 * Rotate the phase of q = v_re + i v_im (q -> e^{i phi} q) so that v_re . v_im = 0 and
 * |v_re| >= |v_im|; then c = v_re / |v_re|^2 satisfies both normalisations c . v_re = 1 and
 * c . v_im = 0, the starting point of the extended system.
 */
export function phaseNormalise(vRe: ArrayLike<number>, vIm: ArrayLike<number>): { vRe: Float64Array; vIm: Float64Array; c: Float64Array } {
  const n = vRe.length;
  let rr = 0;
  let ii = 0;
  let ri = 0;
  for (let i = 0; i < n; i++) {
    rr += vRe[i]! * vRe[i]!;
    ii += vIm[i]! * vIm[i]!;
    ri += vRe[i]! * vIm[i]!;
  }
  // v_re' = cos v_re - sin v_im, v_im' = sin v_re + cos v_im; v_re' . v_im' = 0 at tan 2 phi = -2 ri / (rr - ii)
  let phi = 0.5 * Math.atan2(-2 * ri, rr - ii);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const rotate = (): void => {
    const c = Math.cos(phi);
    const s = Math.sin(phi);
    for (let i = 0; i < n; i++) {
      re[i] = c * vRe[i]! - s * vIm[i]!;
      im[i] = s * vRe[i]! + c * vIm[i]!;
    }
  };
  rotate();
  if (re.reduce((a, v) => a + v * v, 0) < im.reduce((a, v) => a + v * v, 0)) {
    phi += Math.PI / 2;
    rotate();
  }
  const r2 = re.reduce((a, v) => a + v * v, 0);
  return { vRe: re, vIm: im, c: re.map((v) => v / r2) };
}

/** Newton on the extended system with parameter k free, from an eigenvector guess q and omega > 0. */
export function locateComplexPair(
  system: DynamicalSystem,
  x: ArrayLike<number>,
  p: Float64Array,
  k: number,
  vRe: Float64Array,
  vIm: Float64Array,
  omega: number,
  opts: NewtonOptions = {},
): ComplexPairPoint {
  const q = phaseNormalise(vRe, vIm);
  const ext = new ComplexPairSystem(system, p, [k], q.c);
  const z0 = ext.pack(x, q.vRe, q.vIm, omega, p);
  const r = newton(ext, z0, opts);
  const u = ext.unpack(r.z);
  return {
    x: Float64Array.from(u.x),
    p: u.p,
    omega: u.omega,
    vRe: Float64Array.from(u.vRe),
    vIm: Float64Array.from(u.vIm),
    converged: r.converged,
    residual: r.residual,
    iterations: r.iterations,
  };
}
