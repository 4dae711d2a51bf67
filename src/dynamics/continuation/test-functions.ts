/**
 * Test functions of codimension-one bifurcations along a branch of equilibria or fixed points
 * (Kuznetsov 2004, sec. 10.2; Govaerts 2000, Numerical Methods for Bifurcations of Dynamical
 * Equilibria, ch. 4): smooth scalar functions of the point whose sign changes between two
 * consecutive points reveal a bifurcation between them. From the eigenvalues lambda_i of A = D_x f:
 *
 * flows (dx/dt = f):
 *   real       prod_i lambda_i = det A            a real eigenvalue through 0 (fold or branch point)
 *   hopf       prod_{i<j} (lambda_i + lambda_j)   = det(2 A (.) I), the bialternate product: a pair
 *                                                  with lambda_i + lambda_j = 0, i.e. a complex pair
 *                                                  on the imaginary axis (Hopf) or two real
 *                                                  eigenvalues +-k (neutral saddle, not a bifurcation)
 * maps (x -> f):
 *   real       prod_i (mu_i - 1) = det(A - I)      a multiplier through +1 (fold or branch point)
 *   flip       prod_i (mu_i + 1) = det(A + I)      a multiplier through -1 (period doubling)
 *   ns         prod_{i<j} (mu_i mu_j - 1)         a complex pair on the unit circle (Neimark-Sacker)
 *                                                  or a real pair with mu_i mu_j = 1 (neutral saddle)
 * and for both the fold test: the parameter component of the branch's tangent, which changes sign
 * at a fold (the branch turns back) and not at a branch point. Conjugate factors multiply to
 * |.|^2 > 0, so each product is real and changes sign only where one real factor passes 0.
 */
import type { TimeKind } from '../../models/flow.ts';
import type { Eigenvalue } from '../stability.ts';

export interface TestFunctions {
  /** det A (flows) or det(A - I) (maps). */
  real: number;
  /** Bialternate test: Hopf (flows) or Neimark-Sacker (maps); 1 when n = 1 (no pairs). */
  complex: number;
  /** det(A + I): maps only (NaN for flows). */
  flip: number;
}

/** prod of complex numbers given as [re, im] pairs, returned as [re, im]. */
function mul(a: [number, number], b: [number, number]): [number, number] {
  return [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
}

/**
 * The test functions from the eigenvalues. Products are scaled per factor by nothing: their sign
 * is what matters, and for the small systems continued here they stay within double range.
 */
export function testFunctions(eigs: readonly Eigenvalue[], time: TimeKind): TestFunctions {
  let real: [number, number] = [1, 0];
  let flip: [number, number] = [1, 0];
  let complex: [number, number] = [1, 0];
  const n = eigs.length;
  for (let i = 0; i < n; i++) {
    const e = eigs[i]!;
    if (time === 'continuous') {
      real = mul(real, [e.re, e.im]);
    } else {
      real = mul(real, [e.re - 1, e.im]);
      flip = mul(flip, [e.re + 1, e.im]);
    }
    for (let j = i + 1; j < n; j++) {
      const f = eigs[j]!;
      if (time === 'continuous') complex = mul(complex, [e.re + f.re, e.im + f.im]);
      else {
        const p = mul([e.re, e.im], [f.re, f.im]);
        complex = mul(complex, [p[0] - 1, p[1]]);
      }
    }
  }
  return { real: real[0], complex: complex[0], flip: time === 'continuous' ? NaN : flip[0] };
}
