/**
 * Small synthetic classification tasks that ship with the project, every draw from a seeded Rng.
 *
 * - `teacherTask`: inputs x ~ N(0, I_d), labels from a fixed random one-hidden-layer tanh network
 *   (the teacher), c = argmax_k (V tanh(W x / sqrt(d)))_k. Learnable by a shallow network by
 *   construction (the teacher is one), nonlinear (not linearly separable for hidden > 1), and its
 *   difficulty does not depend on the depth of the student, so a drop in accuracy with depth is
 *   the optimisation problem, not the task. The studies use this one by default.
 * - `twoSpirals`: the classic two interleaved spirals in the plane (Lang and Witbrock 1988), with
 *   Gaussian noise. Harder: a shallow net needs many steps, so it is offered for experiments.
 *
 * Data are row-major: x is n x d, labels are Int32Array of n class indices.
 */
import { Rng } from '../init/rng.ts';

export interface ClassificationData {
  /** n x d inputs, row-major. */
  x: Float64Array;
  labels: Int32Array;
  n: number;
  /** d */
  inputSize: number;
  /** K */
  classes: number;
}

export interface TeacherOptions {
  /** d, input dimension. */
  inputSize: number;
  /** Hidden units of the teacher. */
  hidden: number;
  /** K, number of classes. */
  classes: number;
  /** Seed of the teacher's weights (the task itself), separate from the sampling seed. */
  teacherSeed: number;
}

/**
 * n samples of the teacher task. The teacher's weights come from `teacherSeed` alone, so train and
 * test sets drawn with different sampling generators label inputs by the same rule.
 *
 * @example teacherTask(1000, new Rng(1), { inputSize: 8, hidden: 8, classes: 3, teacherSeed: 7 })
 */
export function teacherTask(n: number, rng: Rng, opts: TeacherOptions): ClassificationData {
  const { inputSize: d, hidden: H, classes: K } = opts;
  const t = new Rng(opts.teacherSeed);
  const W = t.fillNormal(new Float64Array(H * d));
  const V = t.fillNormal(new Float64Array(K * H));
  const x = rng.fillNormal(new Float64Array(n * d));
  const labels = new Int32Array(n);
  const h = new Float64Array(H);
  const scale = 1 / Math.sqrt(d);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < H; i++) {
      let a = 0;
      for (let j = 0; j < d; j++) a += W[i * d + j]! * x[s * d + j]!;
      h[i] = Math.tanh(a * scale);
    }
    let best = 0;
    let bestV = -Infinity;
    for (let k = 0; k < K; k++) {
      let y = 0;
      for (let i = 0; i < H; i++) y += V[k * H + i]! * h[i]!;
      if (y > bestV) {
        bestV = y;
        best = k;
      }
    }
    labels[s] = best;
  }
  return { x, labels, n, inputSize: d, classes: K };
}

/**
 * Two interleaved spirals (Lang and Witbrock 1988): for class c in {0, 1} and t uniform in [0, 1],
 * r = t, angle = turns * 2 pi t + c pi, x = r (cos, sin) * 2 + noise N(0, noise^2), so the inputs
 * have a standard deviation of about 1. Classes alternate, so they are balanced.
 */
export function twoSpirals(n: number, rng: Rng, opts: { turns?: number; noise?: number } = {}): ClassificationData {
  const turns = opts.turns ?? 1.5;
  const noise = opts.noise ?? 0.05;
  const x = new Float64Array(n * 2);
  const labels = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const c = s % 2;
    const t = rng.uniform();
    const angle = turns * 2 * Math.PI * t + c * Math.PI;
    x[2 * s] = 2 * t * Math.cos(angle) + noise * rng.normal();
    x[2 * s + 1] = 2 * t * Math.sin(angle) + noise * rng.normal();
    labels[s] = c;
  }
  return { x, labels, n, inputSize: 2, classes: 2 };
}

/** Share of the most frequent class: the accuracy of always guessing it. */
export function chanceLevel(data: ClassificationData): number {
  const counts = new Int32Array(data.classes);
  for (let i = 0; i < data.n; i++) counts[data.labels[i]!]!++;
  let max = 0;
  for (const c of counts) max = Math.max(max, c);
  return max / data.n;
}

/**
 * Copy the samples at `indices` into preallocated batch buffers (x: b x d, labels: b), so a training
 * loop draws mini-batches without allocating.
 */
export function gatherBatch(
  data: ClassificationData,
  indices: ArrayLike<number>,
  x: Float64Array,
  labels: Int32Array,
): void {
  const d = data.inputSize;
  for (let i = 0; i < indices.length; i++) {
    const s = indices[i]!;
    x.set(data.x.subarray(s * d, (s + 1) * d), i * d);
    labels[i] = data.labels[s]!;
  }
}

/** b indices drawn uniformly with replacement into `out`. */
export function sampleIndices(n: number, rng: Rng, out: Int32Array): Int32Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.int(n);
  return out;
}
