/**
 * The dynamical system a scenario of the dynamics studies names, under the flow contract (src/models/flow.ts): the
 * one-neuron Doya network as a flow or a map, an N-neuron CTRNN (Beer 1995), or a discrete network
 * h -> f(g W h + b). `SystemSpec` is the zod schema the dynamics studies share; `buildSystem` turns a
 * spec into the system, its parameter vector, and a way to list its equilibria at any parameters
 * (the seeds of continuation): closed forms for one neuron, root counting for two CTRNN neurons
 * (src/dynamics/brute-force.ts), and otherwise settling from a fixed set of initial states (which
 * finds the attractors only; continuation then reaches the rest of their branches).
 *
 * ```yaml
 * system: { model: one-neuron, w: 5, b: -3 }
 * system: { model: ctrnn, W: [[4.5, 1], [-1, 4.5]], theta: [-2.75, -1.75] }
 * system: { model: recurrent-map, activation: tanh, gain: 0.5, W: [[0, -1], [1, 0]] }
 * ```
 */
import { z } from 'zod';
import { equilibria } from '../dynamics/equilibria.ts';
import { planarCtrnnEquilibria } from '../dynamics/brute-force.ts';
import { settle } from '../dynamics/attractors.ts';
import { Ctrnn, ctrnnParameterNames } from '../models/ctrnn.ts';
import type { DynamicalSystem } from '../models/flow.ts';
import { oneNeuronField, oneNeuronMapSystem } from '../models/one-neuron.ts';
import { RecurrentMap } from '../models/recurrent-map.ts';

const matrix = z
  .array(z.array(z.number()).min(1).max(64))
  .min(1)
  .max(64)
  .refine((W) => W.every((row) => row.length === W.length), { message: 'expected a square matrix (every row as long as there are rows)' });

export const SystemSpec = z.discriminatedUnion('model', [
  z
    .object({
      model: z.literal('one-neuron').describe('dx/dt = -x + sigmoid(w x + b) (Doya 1992); parameters w, b'),
      w: z.number().default(5).describe('self-weight w'),
      b: z.number().default(-3).describe('bias b'),
    })
    .strict(),
  z
    .object({
      model: z.literal('one-neuron-map').describe('x -> sigmoid(w x + b); parameters w, b'),
      w: z.number().default(5).describe('self-weight w'),
      b: z.number().default(-3).describe('bias b'),
    })
    .strict(),
  z
    .object({
      model: z.literal('ctrnn').describe('tau_i dy_i/dt = -y_i + sum_j w_ij sigmoid(y_j + theta_j) + I_i (Beer 1995); parameters w11.., theta1.., I1.., tau1..'),
      W: matrix.describe('N x N weights, row i the weights into neuron i'),
      theta: z.array(z.number()).optional().describe('biases theta_j (default 0)'),
      I: z.array(z.number()).optional().describe('external inputs I_i (default 0)'),
      tau: z.array(z.number().positive()).optional().describe('time constants tau_i > 0 (default 1)'),
    })
    .strict(),
  z
    .object({
      model: z.literal('recurrent-map').describe('h -> f(g W h + b); parameters g, w11.., b1..'),
      activation: z.enum(['tanh', 'sigmoid']).default('tanh').describe('f'),
      gain: z.number().default(1).describe('gain g'),
      W: matrix.describe('N x N weights'),
      b: z.array(z.number()).optional().describe('biases (default 0)'),
    })
    .strict(),
]);
export type SystemSpec = z.infer<typeof SystemSpec>;

/** The parameter names of the system a spec describes (without building it). */
export function parameterNamesOf(spec: SystemSpec): string[] {
  if (spec.model === 'one-neuron' || spec.model === 'one-neuron-map') return ['w', 'b'];
  const n = spec.W.length;
  if (spec.model === 'ctrnn') return ctrnnParameterNames(n);
  return new RecurrentMap(n, spec.activation).parameterNames.slice();
}

export interface BuiltSystem {
  system: DynamicalSystem;
  p: Float64Array;
  /** Equilibria (fixed points) at parameters q, as initial states for continuation. */
  equilibriaAt(q: Float64Array): Float64Array[];
  /** Names of the state coordinates, for charts ('x', 'y1', 'h2', ...). */
  stateNames: string[];
}

/**
 * Build the system of a validated spec.
 *
 * @throws Error naming the field when a vector's length does not match N.
 */
export function buildSystem(spec: SystemSpec, field = 'system'): BuiltSystem {
  if (spec.model === 'one-neuron' || spec.model === 'one-neuron-map') {
    const system = spec.model === 'one-neuron' ? oneNeuronField : oneNeuronMapSystem;
    return {
      system,
      p: Float64Array.of(spec.w, spec.b),
      equilibriaAt: (q) => equilibria(q[0]!, q[1]!).map((e) => Float64Array.of(e.x)),
      stateNames: ['x'],
    };
  }
  const n = spec.W.length;
  const check = (name: string, v: readonly number[] | undefined): void => {
    if (v !== undefined && v.length !== n) throw new Error(`${field}.${name}: expected ${n} entries (one per neuron of the ${n} x ${n} W), found ${v.length}`);
  };
  if (spec.model === 'ctrnn') {
    check('theta', spec.theta);
    check('I', spec.I);
    check('tau', spec.tau);
    const net = new Ctrnn(n);
    const p = net.pack({ W: spec.W, ...(spec.theta ? { theta: spec.theta } : {}), ...(spec.I ? { I: spec.I } : {}), ...(spec.tau ? { tau: spec.tau } : {}) });
    const bound = Math.max(...spec.W.map((row, i) => row.reduce((s, w) => s + Math.abs(w), 0) + Math.abs(spec.I?.[i] ?? 0)));
    return {
      system: net,
      p,
      equilibriaAt: n === 2 ? (q) => planarCtrnnEquilibria(net, q).map((e) => e.y) : (q) => settledEquilibria(net, q, bound),
      stateNames: Array.from({ length: n }, (_, i) => `y${i + 1}`),
    };
  }
  check('b', spec.b);
  const map = new RecurrentMap(n, spec.activation);
  const p = map.pack({ gain: spec.gain, W: spec.W, ...(spec.b ? { b: spec.b } : {}) });
  return {
    system: map,
    p,
    equilibriaAt: (q) => settledEquilibria(map, q, spec.activation === 'tanh' ? 1 : 0.5),
    stateNames: Array.from({ length: n }, (_, i) => `h${i + 1}`),
  };
}

/**
 * The attractors reached from 0 and the 2^N corners of [-bound, bound]^N (up to 16 of them, by a
 * fixed Gray-code walk), deduplicated: stable equilibria only.
 */
function settledEquilibria(sys: DynamicalSystem, q: Float64Array, bound: number): Float64Array[] {
  const n = sys.dimension;
  const starts: Float64Array[] = [new Float64Array(n)];
  const corners = Math.min(16, 2 ** n);
  for (let c = 0; c < corners; c++) starts.push(Float64Array.from({ length: n }, (_, i) => ((c >> i) & 1 ? bound : -bound)));
  const out: Float64Array[] = [];
  for (const x0 of starts) {
    const s = settle(sys, q, x0, { maxTime: 2000 });
    if (!s.converged) continue;
    if (out.some((x) => x.every((v, i) => Math.abs(v - s.x[i]!) < 1e-6))) continue;
    out.push(s.x);
  }
  return out;
}
