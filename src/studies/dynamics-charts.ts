/**
 * Chart series shared by the dynamics studies (equilibrium-continuation, ctrnn-bifurcation,
 * learning-through-bifurcation): one marker style per kind of bifurcation point, and the fold and
 * Hopf curves of a two-parameter diagram.
 */
import type { BifurcationCurve } from '../dynamics/codim2/fold-curve.ts';
import type { TwoParameterDiagram } from '../dynamics/codim2/two-parameter-diagram.ts';
import type { Series } from '../report/chart-spec.ts';

export const STABLE_COLOR = '#0072B2';
export const UNSTABLE_COLOR = '#D55E00';
export const FOLD_COLOR = '#000000';
export const HOPF_COLOR = '#CC79A7';

/** Marker and words for each kind of special point. */
export const POINT_STYLE: Record<string, { label: string; pointStyle: string; color: string; radius: number }> = {
  fold: { label: 'fold (saddle-node)', pointStyle: 'rectRot', color: '#000000', radius: 9 },
  'branch-point': { label: 'branch point (pitchfork)', pointStyle: 'triangle', color: '#009E73', radius: 10 },
  hopf: { label: 'Hopf', pointStyle: 'rect', color: HOPF_COLOR, radius: 9 },
  flip: { label: 'flip (period doubling)', pointStyle: 'triangle', color: '#E69F00', radius: 10 },
  'neimark-sacker': { label: 'Neimark-Sacker', pointStyle: 'rect', color: HOPF_COLOR, radius: 9 },
  cusp: { label: 'cusp', pointStyle: 'star', color: '#000000', radius: 12 },
  'bogdanov-takens': { label: 'Bogdanov-Takens', pointStyle: 'crossRot', color: '#56B4E9', radius: 12 },
  bautin: { label: 'Bautin (l₁ = 0)', pointStyle: 'rectRounded', color: '#882255', radius: 10 },
};

/**
 * Fold curves (solid black) and Hopf curves (dashed pink), one legend entry per kind, and the
 * codimension-two points of the diagram. Curves are split where they jump (a closed curve's seam,
 * points more than a quarter of the box apart) so that no chord crosses the chart.
 */
export function diagramSeries(d: Pick<TwoParameterDiagram, 'curves' | 'special'>, box: readonly [readonly [number, number], readonly [number, number]]): Series[] {
  const out: Series[] = [];
  const shown = new Set<string>();
  const span = Math.max(box[0][1] - box[0][0], box[1][1] - box[1][0]);
  for (const c of d.curves) {
    for (const piece of splitAtJumps(c, span / 4)) {
      const kind = c.kind;
      out.push({
        label: kind === 'fold' ? 'fold curves (an attractor and a saddle collide)' : 'Hopf curves (a limit cycle is born)',
        x: piece.map((q) => q.a),
        y: piece.map((q) => q.b),
        color: kind === 'fold' ? FOLD_COLOR : HOPF_COLOR,
        dashed: kind === 'hopf',
        lineWidth: 3,
        hideInLegend: shown.has(kind),
      });
      shown.add(kind);
    }
  }
  for (const type of ['cusp', 'bogdanov-takens', 'bautin']) {
    const pts = d.special.filter((s) => s.type === type);
    if (pts.length === 0) continue;
    const st = POINT_STYLE[type]!;
    out.push({ label: st.label, x: pts.map((s) => s.a), y: pts.map((s) => s.b), pointsOnly: true, pointStyle: st.pointStyle, pointRadius: st.radius, color: st.color });
  }
  return out;
}

function splitAtJumps(c: BifurcationCurve, jump: number): { a: number; b: number }[][] {
  const pieces: { a: number; b: number }[][] = [[]];
  c.points.forEach((q, i) => {
    const prev = c.points[i - 1];
    if (prev && Math.hypot(q.a - prev.a, q.b - prev.b) > jump) pieces.push([]);
    pieces[pieces.length - 1]!.push(q);
  });
  return pieces.filter((p) => p.length > 1);
}

const SUBSCRIPT: Record<string, string> = { '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉', ',': ',' };
const GREEK: Record<string, string> = { theta: 'θ', tau: 'τ' };

/**
 * A parameter or state name as a chart writes it: theta1 -> θ₁, w12 -> w₁₂, tau2 -> τ₂, y1 -> y₁.
 *
 * @example mathName('theta1') // 'θ₁'
 */
export function mathName(name: string): string {
  const m = /^([A-Za-z]+?)(\d[\d,]*)?$/.exec(name);
  if (!m) return name;
  const head = GREEK[m[1]!] ?? m[1]!;
  return head + (m[2] ?? '').split('').map((c) => SUBSCRIPT[c] ?? c).join('');
}
