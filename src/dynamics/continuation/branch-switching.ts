/**
 * Starting new branches from located bifurcation points of a branch of equilibria (AUTO-07p's
 * restart from a labelled point, BifurcationKit's `continuation(br, ind)`):
 *
 *   fold           the tangent there is (v, 0), v the kernel vector of G_x: the branch is restarted
 *                  from the fold in both directions +-(v, 0), one half on each side (the attracting
 *                  and the repelling equilibria that collide there)
 *   branch point   the Jacobian [G_x | G_p] has a two-dimensional kernel there (Keller 1977): its
 *                  direction orthogonal to the known branch's tangent points onto the other branch
 *                  (exactly for a symmetric pitchfork, closely enough for a transcritical point),
 *                  and the corrector on the hyperplane orthogonal to that direction at a small
 *                  distance lands on it; both halves are continued
 *
 * From a fold or Hopf point, switching onto the curve of such points in two parameters is
 * src/dynamics/codim2 (foldCurve, hopfCurve).
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { continueEquilibria, EquilibriumProblem, type BifurcationPoint, type BranchOptions, type EquilibriumBranch } from './equilibrium-branch.ts';
import { PseudoArclength } from './pseudo-arclength.ts';

/**
 * The two halves of the branch through a fold or a branch point of `branch`, continued with
 * `opts` (the parameter is the branch's).
 *
 * @throws Error for other bifurcation types.
 */
export function branchesFrom(branch: EquilibriumBranch, point: BifurcationPoint, opts: Omit<BranchOptions, 'parameter' | 'direction' | 'initialDirection'>): EquilibriumBranch[] {
  const sys = branch.system;
  const n = sys.dimension;
  const k = branch.parameterIndex;
  const base = { ...opts, parameter: k };
  if (point.type === 'fold') {
    const v = point.v!;
    return [1, -1].map((sg) => {
      const dir = new Float64Array(n + 1);
      for (let i = 0; i < n; i++) dir[i] = sg * v[i]!;
      return continueEquilibria(sys, point.p, point.x, { ...base, initialDirection: dir });
    });
  }
  if (point.type !== 'branch-point') throw new Error(`branchesFrom: expected a fold or a branch point, got ${point.type}`);
  // the known branch's tangent: the secant through the neighbouring points
  const a = branch.points[point.index - 1]!;
  const b = branch.points[point.index]!;
  const t1 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) t1[i] = b.x[i]! - a.x[i]!;
  t1[n] = b.parameter - a.parameter;
  normalise(t1);
  // the kernel of [G_x | G_p] at the branch point: right singular vectors of its two smallest singular values
  const problem = new EquilibriumProblem(sys, point.p, k);
  const z = new Float64Array(n + 1);
  z.set(point.x);
  z[n] = point.parameter;
  const J = new Float64Array(n * (n + 1));
  problem.jacobian(z, J);
  const rows = Array.from({ length: n + 1 }, (_, i) => (i < n ? Array.from(J.subarray(i * (n + 1), (i + 1) * (n + 1))) : new Array<number>(n + 1).fill(0)));
  const V = new SingularValueDecomposition(new Matrix(rows)).rightSingularVectors;
  const k1 = V.getColumn(n);
  const k2 = V.getColumn(n - 1);
  // t2: the kernel direction orthogonal to t1
  const c1 = dot(k1, t1);
  const c2 = dot(k2, t1);
  const t2 = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) t2[i] = c2 * k1[i]! - c1 * k2[i]!;
  normalise(t2);
  const span = opts.range[1] - opts.range[0];
  const ds = opts.ds ?? span / 200;
  const out: EquilibriumBranch[] = [];
  for (const sg of [1, -1]) {
    const dir = t2.map((v) => sg * v);
    const palc = new PseudoArclength(problem, z, dir, { ds, dsMin: 1e-9 * (1 + span), dsMax: opts.dsMax ?? span / 20 }, dir);
    const first = palc.pointFrom(z, dir, ds);
    if (!first) continue;
    const p = Float64Array.from(point.p);
    p[k] = first.z[n]!;
    out.push(continueEquilibria(sys, p, first.z.subarray(0, n), { ...base, initialDirection: first.tangent }));
  }
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function normalise(v: Float64Array): void {
  const nv = Math.sqrt(dot(v, v));
  for (let i = 0; i < v.length; i++) v[i]! /= nv;
}
