/**
 * Synthetic job lists for the journal and status tests: cheap jobs whose results hold the values
 * JSON cannot (NaN, -0, +-Infinity, typed arrays), with a record of which jobs ran.
 */
import { jobId, type JobList } from '../../src/sweeps/jobs.ts';
import { fingerprint, type ScenarioIdentity } from '../../src/sweeps/journal.ts';

export interface Out {
  x: number;
  y: Float64Array;
  z: number;
}

/** A list of n jobs whose results hold NaN, -0, +-Infinity and a typed array; `ran` records what ran. */
export function squares(n: number, ran: string[], opts: { stopAfter?: number; fail?: ReadonlySet<string> } = {}): JobList<{ x: number }, Out> {
  return {
    kind: 'square',
    jobs: Array.from({ length: n }, (_, i) => ({ id: jobId({ x: i }), seed: 1000 + i, input: { x: i } })),
    async runHere(subset, finished) {
      let k = 0;
      for (const j of subset) {
        // a kill between two jobs: the runner never hears of the rest
        if (opts.stopAfter !== undefined && k++ === opts.stopAfter) throw new Error('killed');
        ran.push(j.id);
        if (opts.fail?.has(j.id)) finished(j, { error: `job ${j.id} failed` });
        else finished(j, { result: { x: j.input.x, y: new Float64Array([Math.sqrt(j.input.x), NaN, -0, j.input.x / 7]), z: 1 / (j.input.x - 3) } });
      }
    },
  };
}

/** Every number's bits and every typed array's bytes, as a string: equal strings mean equal bits. */
export function bits(v: unknown): string {
  const hex = (x: number) => Buffer.from(new Float64Array([x]).buffer).toString('hex');
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? hex(x) : ArrayBuffer.isView(x) ? `bytes:${Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex')}` : x));
}

export const SCENARIO = { name: 'toy', kind: 'toy', seed: 1, params: { repetitions: 5, lags: [10, 20] } };

/** The identity of a toy scenario (or of `scenario`). */
export function identity(scenario: Record<string, unknown> = SCENARIO): ScenarioIdentity {
  return { name: 'toy', kind: 'toy', fingerprint: fingerprint(scenario), file: 'toy.yaml', dir: '/tmp', scenario };
}
