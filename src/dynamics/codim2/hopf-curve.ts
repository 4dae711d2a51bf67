/**
 * Hopf curves in two parameters (p_a, p_b): the extended Hopf system of src/dynamics/codim1/hopf.ts
 * with both parameters free, traced by pseudo-arclength continuation, with its codimension-two
 * points (Kuznetsov 2004, sec. 8.3 and 8.4):
 *
 *   bogdanov-takens   omega = 0: the pair i omega, -i omega merges into a double zero; the Hopf
 *                     curve ends on a fold curve there (the curve is stopped: past it the extended
 *                     system retraces the same curve with -omega)
 *   bautin            l1 = 0 (generalised Hopf): the Hopf bifurcation turns from supercritical to
 *                     subcritical, and a fold curve of limit cycles starts
 *
 * l1 is the first Lyapunov coefficient (src/dynamics/codim1/normal-forms.ts). Near a BT point l1
 * grows like 1/omega, so a sign change of l1 through a pole is rejected (the refined value must be
 * smaller than at both ends of the bracket).
 */
import type { DynamicalSystem } from '../../models/flow.ts';
import { ComplexPairSystem, phaseNormalise } from '../codim1/hopf.ts';
import { hopfNormalForm } from '../codim1/normal-forms.ts';
import { traceCurve, type CurveTests } from './curve.ts';
import { toCurve, type BifurcationCurve, type CurveOptions } from './fold-curve.ts';

/**
 * The Hopf curve through the Hopf point (x, q = vRe + i vIm, omega) at parameters p, in ka and kb.
 *
 * @throws Error for a map (its Neimark-Sacker curves are not traced here).
 */
export function hopfCurve(
  sys: DynamicalSystem,
  p: Float64Array,
  ka: number,
  kb: number,
  x: Float64Array,
  vRe: Float64Array,
  vIm: Float64Array,
  omega: number,
  opts: CurveOptions,
): BifurcationCurve {
  if (sys.time !== 'continuous') throw new Error('hopfCurve: the system must be a flow');
  const n = sys.dimension;
  const q = phaseNormalise(vRe, vIm);
  const ext = new ComplexPairSystem(sys, p, [ka, kb], q.c);
  const z0 = ext.pack(x, q.vRe, q.vIm, omega, p);
  const tests: CurveTests<null> = {
    names: ['bogdanov-takens', 'bautin'],
    terminal: ['bogdanov-takens'],
    evaluate(z) {
      const u = ext.unpack(z);
      let l1 = NaN;
      if (Math.abs(u.omega) > 1e-9) {
        try {
          l1 = hopfNormalForm(sys, u.x, u.p, ka, Math.abs(u.omega), { re: Float64Array.from(u.vRe), im: Float64Array.from(u.vIm).map((v) => Math.sign(u.omega) * v) }).firstLyapunovCoefficient;
        } catch {
          l1 = NaN;
        }
      }
      return { values: [u.omega, l1], state: null };
    },
    accept(name, atRoot, [fa, fb]) {
      return name !== 'bautin' || Math.abs(atRoot) < Math.min(Math.abs(fa), Math.abs(fb));
    },
  };
  const span = Math.max(opts.box[0][1] - opts.box[0][0], opts.box[1][1] - opts.box[1][0]);
  const traced = traceCurve(ext, z0, tests, {
    parameters: [3 * n + 1, 3 * n + 2],
    box: opts.box,
    ds: opts.ds ?? span / 200,
    dsMin: 1e-9 * (1 + span),
    dsMax: opts.dsMax ?? span / 30,
    maxPoints: opts.maxPoints ?? 2000,
    invariant: [...Array.from({ length: n }, (_, i) => i), 3 * n + 1, 3 * n + 2],
    rebase(z) {
      const r = phaseNormalise(z.subarray(n, 2 * n), z.subarray(2 * n, 3 * n));
      z.set(r.vRe, n);
      z.set(r.vIm, 2 * n);
      ext.c.set(r.c);
    },
  });
  return toCurve('hopf', sys, [ka, kb], traced, (z) => ext.unpack(z), (s) => s.values[0]!);
}
