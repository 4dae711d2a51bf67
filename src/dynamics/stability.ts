/**
 * Linear stability of an equilibrium (flow) or fixed point (map) from the eigenvalues of its
 * Jacobian A (ml-matrix's EigenvalueDecomposition: Hessenberg reduction and shifted QR, after
 * EISPACK hqr2; in closed form for n <= 2). A flow's equilibrium is asymptotically stable when every eigenvalue has
 * Re lambda < 0; a map's fixed point when every multiplier has |mu| < 1 (Kuznetsov 2004, Thm 1.2
 * and 1.3). The growth rate of a mode, Re lambda or ln |mu|, puts both on one scale: the
 * boundary is 0, and the slowest modes are those closest to it (Sussillo and Barak 2013 look at
 * these to read what a trained network remembers).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { TimeKind } from '../models/flow.ts';

export interface Eigenvalue {
  re: number;
  im: number;
}

/**
 * The eigenvalues of the n x n row-major A, sorted by decreasing real part, then decreasing
 * imaginary part (a conjugate pair: +im first).
 *
 * @example eigenvalues(2, Float64Array.of(0, -1, 1, 0)) // [{re: 0, im: 1}, {re: 0, im: -1}]
 */
export function eigenvalues(n: number, A: Float64Array): Eigenvalue[] {
  const out: Eigenvalue[] = [];
  if (n === 1) return [{ re: A[0]!, im: 0 }];
  if (n === 2) return eigenvalues2(A[0]!, A[1]!, A[2]!, A[3]!);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(A.subarray(i * n, (i + 1) * n)));
  // assumeSymmetric: false is the default, but ml-matrix tests symmetry itself and then uses the
  // symmetric QL algorithm (real eigenvalues, as they must be)
  const evd = new EigenvalueDecomposition(new Matrix(rows));
  const re = evd.realEigenvalues;
  const im = evd.imaginaryEigenvalues;
  for (let i = 0; i < n; i++) out.push({ re: re[i]!, im: im[i]! });
  return out.sort((a, b) => b.re - a.re || b.im - a.im);
}

/**
 * The eigenvalues of [[a, b], [c, d]] in closed form (the hot path of continuing 2-neuron
 * networks, where the general QR algorithm costs more than the rest of a continuation step):
 * m +- sqrt(q) with m = (a + d)/2, q = ((a - d)/2)^2 + b c; for real pairs the larger in modulus is
 * m + sign(m) sqrt(q) and the other det / that one, which keeps a small eigenvalue (next to a
 * fold) accurate instead of cancelling it out.
 */
function eigenvalues2(a: number, b: number, c: number, d: number): Eigenvalue[] {
  const m = 0.5 * (a + d);
  const h = 0.5 * (a - d);
  const q = h * h + b * c;
  const det = a * d - b * c;
  if (q >= 0) {
    const r = Math.sqrt(q);
    const big = m >= 0 ? m + r : m - r;
    const small = big !== 0 ? det / big : 0;
    const [l1, l2] = big >= small ? [big, small] : [small, big];
    return [
      { re: l1, im: 0 },
      { re: l2, im: 0 },
    ];
  }
  const w = Math.sqrt(-q);
  return [
    { re: m, im: w },
    { re: m, im: -w },
  ];
}

/** The growth rate of a mode: Re lambda for a flow, ln |mu| for a map (0 on the stability boundary). */
export function growthRate(e: Eigenvalue, time: TimeKind): number {
  return time === 'continuous' ? e.re : Math.log(Math.hypot(e.re, e.im));
}

export type StabilityClass = 'stable' | 'saddle' | 'unstable';

export interface Stability {
  /** 'stable': no unstable mode; 'unstable': every mode unstable; 'saddle': some of each. */
  stability: StabilityClass;
  /** Number of eigenvalues with positive growth rate (the saddle's number of unstable directions). */
  unstableDimension: number;
  /** Number of eigenvalues within `boundaryTolerance` of the boundary (non-hyperbolic when > 0). */
  neutralDimension: number;
  /** The largest growth rate (Re lambda or ln |mu|). */
  leadingGrowthRate: number;
  /** Whether the leading mode is oscillatory (a complex pair). */
  oscillatory: boolean;
}

/**
 * Classify from the eigenvalues: unstable directions are modes with growth rate > tolerance.
 *
 * @example classify([{re: 0.25, im: 0}, {re: -1, im: 0}], 'continuous').stability // 'saddle'
 */
export function classify(eigs: readonly Eigenvalue[], time: TimeKind, boundaryTolerance = 0): Stability {
  let unstable = 0;
  let neutral = 0;
  let lead = -Infinity;
  let osc = false;
  for (const e of eigs) {
    const g = growthRate(e, time);
    if (g > boundaryTolerance) unstable++;
    else if (g >= -boundaryTolerance) neutral++;
    if (g > lead) {
      lead = g;
      osc = e.im !== 0;
    }
  }
  const n = eigs.length;
  const stability: StabilityClass = unstable === 0 ? 'stable' : unstable === n ? 'unstable' : 'saddle';
  return { stability, unstableDimension: unstable, neutralDimension: neutral, leadingGrowthRate: lead, oscillatory: osc };
}

/**
 * The k modes closest to the stability boundary (smallest |growth rate|), closest first: the
 * slow directions along which a network holds information longest.
 */
export function slowestModes(eigs: readonly Eigenvalue[], time: TimeKind, k: number): Eigenvalue[] {
  return [...eigs].sort((a, b) => Math.abs(growthRate(a, time)) - Math.abs(growthRate(b, time))).slice(0, k);
}
