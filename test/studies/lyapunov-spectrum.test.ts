/**
 * Study `lyapunov-spectrum`: exact exponents of a linear network given inline, PyTorch's tensors read
 * from the .npy files of test/fixtures/cells (the same spectrum as the cell built from the tensors
 * directly), wrong shapes named, the sum of the exponents against ln |det J_t|, and determinism.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lyapunovSpectrum } from '../../src/analysis/lyapunov.ts';
import { Rng } from '../../src/init/rng.ts';
import type { RecurrentCell } from '../../src/models/cell.ts';
import { gruFromTorch } from '../../src/models/gru.ts';
import { lstmFromTorch } from '../../src/models/lstm.ts';
import { parseNpy } from '../../src/models/weights-source.ts';
import { lyapunovSpectrumStudy as study } from '../../src/studies/lyapunov-spectrum.ts';
import { summaryMismatches } from '../../src/scenario/summary-schema.ts';
import { preflight } from '../../src/studies/preflight.ts';
import { TOL } from '../helpers/tolerance.ts';

const FIXTURES = 'test/fixtures/cells';
const ctx = (seed = 3) => ({ seed, scenarioDir: FIXTURES, progress: () => {} });
type Summary = { exponents: (number | null)[]; kaplanYorkeDimension: number; entropyRate: number; positive: number; sum: number | null; meanLogAbsDet: number | null; volumeGap: number | null; stateSize: number; state: string };
const torchFiles = (kind: string) => ({
  weight_ih: { file: `${kind}_weight_ih.npy` },
  weight_hh: { file: `${kind}_weight_hh.npy` },
  bias_ih: { file: `${kind}_bias_ih.npy` },
  bias_hh: { file: `${kind}_bias_hh.npy` },
});

test('a linear RNN given inline, driven by inputs: exponents ln |w_ii|, D_KY and the entropy rate in closed form', async (t) => {
  const d = [1.2, 0.9, 0.5];
  const W = d.map((v, i) => d.map((_, j) => (i === j ? v : 0)));
  const p = study.params.parse({ cell: { kind: 'rnn', n: 3, m: 2, activation: 'identity', W: { values: W } }, inputStd: 1, steps: 500 });
  const s = (await study.run(p, ctx())).summary as Summary;
  const expected = d.map(Math.log);
  for (let i = 0; i < 3; i++) t.true(Math.abs(s.exponents[i]! - expected[i]!) <= TOL.exactCase, `lambda_${i + 1} = ${s.exponents[i]}`);
  // D_KY = 2 + (ln 1.2 + ln 0.9) / |ln 0.5|
  t.true(Math.abs(s.kaplanYorkeDimension - (2 + Math.log(1.08) / Math.log(2))) <= TOL.exactCase);
  t.true(Math.abs(s.entropyRate - Math.log(1.2)) <= TOL.exactCase);
  t.true(Math.abs(s.meanLogAbsDet! - Math.log(1.2 * 0.9 * 0.5)) <= TOL.exactCase);
});

test("PyTorch's GRU and LSTM tensors from .npy files: the spectrum of the cell built from the tensors, over h (GRU) and (h, c) (LSTM)", async (t) => {
  for (const kind of ['gru', 'lstm'] as const) {
    const p = study.params.parse({ cell: { kind, n: 5, m: 3, weights: torchFiles(kind) }, inputStd: 0.5, steps: 300, transient: 50 });
    const r = await study.run(p, ctx());
    const s = r.summary as Summary;
    t.is(s.stateSize, kind === 'gru' ? 5 : 10);
    t.is(s.state, kind === 'gru' ? 'h' : 'h, c');
    // the same draws as the study (seed 3: the cell's fork, then h0/c0, the drive, the tangent vectors)
    const tensors = Object.fromEntries(Object.entries(torchFiles(kind)).map(([k, v]) => [k, parseNpy(readFileSync(`${FIXTURES}/${v.file}`)).data])) as Parameters<typeof gruFromTorch>[2];
    const cell: RecurrentCell = kind === 'gru' ? gruFromTorch(5, 3, tensors) : lstmFromTorch(5, 3, tensors);
    const base = new Rng(3);
    base.fork();
    const s0Rng = base.fork();
    const s0 = { h: s0Rng.fillNormal(new Float64Array(5)), c: s0Rng.fillNormal(new Float64Array(5)) };
    const drive = base.fork();
    const direct = lyapunovSpectrum(cell, { k: s.stateSize, steps: 300, transient: 50, s0, input: (_t, x) => void drive.fillNormal(x, 0, 0.5), rng: base.fork() });
    t.deepEqual(s.exponents, Array.from(direct.exponents), `${kind}: bit for bit`);
    t.true(s.volumeGap! <= 1e-8 * Math.max(1, Math.abs(s.sum!)), `${kind}: sum ${s.sum} against mean ln |det J| ${s.meanLogAbsDet}`);
    t.true(r.theory.every((row) => row.agrees !== false));
    t.deepEqual(r.charts.map((c) => c.id), ['spectrum', 'convergence']);
  }
});

test('a tensor of the wrong shape is named with the shape PyTorch would give it', async (t) => {
  const weights = { ...torchFiles('gru'), weight_ih: { file: 'gru_weight_hh.npy' } };
  const p = study.params.parse({ cell: { kind: 'gru', n: 5, m: 3, weights }, steps: 10 });
  const err = await t.throwsAsync(async () => study.run(p, ctx()));
  t.regex(err!.message, /cell\.weights\.weight_ih: expected a 15 x 3 matrix, got shape \[15, 5\]/);
  // a GRU's tensors are not an LSTM's: 4n rows expected
  const q = study.params.parse({ cell: { kind: 'lstm', n: 5, m: 3, weights: torchFiles('gru') }, steps: 10 });
  const err2 = await t.throwsAsync(async () => study.run(q, ctx()));
  t.regex(err2!.message, /cell\.weights\.weight_ih: expected a 20 x 3 matrix, got shape \[15, 3\]/);
  // and before any work, at validation
  t.deepEqual(preflight('lyapunov-spectrum', q, { scenarioDir: FIXTURES }), [
    'params.cell.weights.weight_ih.file: expected a 20 x 3 matrix, got shape [15, 3] from file ' + `${process.cwd()}/${FIXTURES}/gru_weight_ih.npy`.replace(/\/\.\//, '/'),
    'params.cell.weights.weight_hh.file: expected a 20 x 5 matrix, got shape [15, 5] from file ' + `${process.cwd()}/${FIXTURES}/gru_weight_hh.npy`,
    'params.cell.weights.bias_ih.file: expected a vector of 20 entries, got shape [15] from file ' + `${process.cwd()}/${FIXTURES}/gru_bias_ih.npy`,
    'params.cell.weights.bias_hh.file: expected a vector of 20 entries, got shape [15] from file ' + `${process.cwd()}/${FIXTURES}/gru_bias_hh.npy`,
  ]);
  t.deepEqual(preflight('lyapunov-spectrum', study.params.parse({ cell: { kind: 'lstm', n: 4 }, exponents: 9 }), { scenarioDir: FIXTURES }), ['params.exponents: expected at most the state size S = 8, found 9']);
  t.false(study.params.safeParse({ cell: { kind: 'lstm', forgetGate: false, weights: torchFiles('lstm') } }).success, 'the 1997 cell has no PyTorch layout');
  t.false(study.params.safeParse({ cell: { kind: 'gru', n: 4 }, exponents: 0 }).success);
});

test('an LSTM with f = 1 and Wh = 0 from inline PyTorch tensors: n carousel exponents 0 and n exponents -infinity (null in summary.json)', async (t) => {
  // forget-gate bias +80 in the PyTorch layout makes f = 1 to round-off: the 1997 carousel
  const n = 2;
  const zeros = (r: number, c: number) => Array.from({ length: r }, () => Array<number>(c).fill(0));
  const bias = Array<number>(4 * n).fill(0);
  bias[n] = bias[n + 1] = 80;
  const cell = { kind: 'lstm', n, m: 1, weights: { weight_ih: { values: zeros(4 * n, 1) }, weight_hh: { values: zeros(4 * n, n) }, bias_ih: { values: bias }, bias_hh: { values: Array<number>(4 * n).fill(0) } } };
  // the whole spectrum: dh_t/dh_{t-1} = 0 and dc_t/dh_{t-1} = 0 (Wh = 0), so the n h-directions vanish at once
  const r = await study.run(study.params.parse({ cell, steps: 200 }), ctx());
  const s = r.summary as Summary;
  t.is(s.exponents.length, 2 * n);
  for (let i = 0; i < n; i++) t.true(Math.abs(s.exponents[i]!) <= TOL.exactCase, `lambda_${i + 1} = ${s.exponents[i]}`);
  // JSON has no -Infinity: null, as the summary's declaration says
  t.deepEqual(s.exponents.slice(n), [null, null]);
  t.is(s.kaplanYorkeDimension, n, 'n neutral directions, then -infinity');
  t.is(s.positive, 0);
  t.is(s.sum, null);
  t.is(s.volumeGap, null);
  t.is(s.meanLogAbsDet, null);
  t.deepEqual(summaryMismatches(study.summarySchema, s), []);
  const volume = r.theory.find((row) => row.quantity.startsWith('sum of all'))!;
  t.regex(volume.quantity, /2 of them −∞/);
  t.true(volume.agrees, 'LU of the dense Jacobian finds det J_t = 0 as well');
  t.true(r.theory.every((row) => row.agrees !== false));
  t.regex(r.discussion, /2 exponents are −∞ \(null in summary\.json\)/);
  // the n leading ones alone: finite, as before
  const lead = (await study.run(study.params.parse({ cell, exponents: n, steps: 200 }), ctx())).summary as Summary;
  t.deepEqual(lead.exponents, s.exponents.slice(0, n));
  t.is(lead.volumeGap, null);
});

test('the -infinity exponents pass through the CLI: summary.json writes null and declares it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lyap-inf-'));
  const file = join(dir, 'wh0.yaml');
  writeFileSync(file, ['name: wh0', 'kind: lyapunov-spectrum', 'description: a linear RNN whose W has a zero column', 'seed: 1', 'params:', '  cell: { kind: rnn, n: 3, m: 1, activation: identity, W: { values: [[1.2, 0, 0], [0.5, 0.7, 0], [0.3, -0.2, 0]] } }', '  steps: 100', ''].join('\n'));
  const res = spawnSync(process.execPath, [join(process.cwd(), 'src', 'cli', 'rnn-dynamics.mjs'), 'run', file, '--out', join(dir, 'out')], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  t.is(res.status, 0, res.stderr);
  const summary = JSON.parse(readFileSync(join(dir, 'out', 'wh0', 'summary.json'), 'utf8')) as Summary & { checksPassed: boolean };
  t.is(summary.exponents[2], null);
  t.true(Math.abs(summary.exponents[0]! - Math.log(1.2)) <= TOL.exactCase);
  t.is(summary.checksPassed, true);
});

test('deterministic: the same seed gives the same summary bit for bit', async (t) => {
  const p = study.params.parse({ cell: { kind: 'gru', n: 8, gain: 4 }, inputStd: 1, steps: 200 });
  const a = await study.run(p, ctx(5));
  const b = await study.run(p, ctx(5));
  t.is(JSON.stringify(a.summary), JSON.stringify(b.summary));
});
