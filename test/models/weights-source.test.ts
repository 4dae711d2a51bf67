/**
 * Weight sources: named initialisations, inline values, and files (JSON, CSV, .npy written by
 * numpy.save in test/fixtures/rnn-weights/make_fixtures.py), with errors that name the field for
 * wrong shapes and non-finite entries.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/init/rng.ts';
import { initWeights } from '../../src/init/weights.ts';
import { parseNpy, resolveWeights, WeightSpec } from '../../src/models/weights-source.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rnn-weights');
const reference = Float64Array.from((JSON.parse(readFileSync(join(FIXTURES, 'W.json'), 'utf8')) as number[][]).flat());
const referenceB = Float64Array.from(JSON.parse(readFileSync(join(FIXTURES, 'b.json'), 'utf8')) as number[]);
const W34 = { field: 'W', rows: 3, cols: 4 };

function load(file: string, target = W34): Float64Array {
  return resolveWeights(WeightSpec.parse({ file }), target, { rng: new Rng(1), baseDir: FIXTURES });
}

test('JSON, CSV, float64 .npy (little- and big-endian, C and Fortran order) give the same values exactly', (t) => {
  for (const file of ['W.json', 'W.csv', 'W_f8.npy', 'W_f8_big_endian.npy', 'W_f8_fortran.npy']) {
    t.deepEqual(Array.from(load(file)), Array.from(reference), file);
  }
});

test('float32 .npy gives the float32-rounded values exactly', (t) => {
  t.deepEqual(Array.from(load('W_f4.npy')), Array.from(reference, Math.fround));
});

test('a vector loads from a 1-D .npy or a flat JSON array', (t) => {
  const target = { field: 'b', rows: 3, cols: 1, vector: true };
  t.deepEqual(Array.from(load('b_f8.npy', target)), Array.from(referenceB));
  t.deepEqual(Array.from(load('b.json', target)), Array.from(referenceB));
});

test('inline values and named initialisations', (t) => {
  const values = [
    [1, 2],
    [3, 4],
  ];
  t.deepEqual(Array.from(resolveWeights(WeightSpec.parse({ values }), { field: 'W', rows: 2, cols: 2 }, { rng: new Rng(1) })), [1, 2, 3, 4]);
  const spec = WeightSpec.parse({ init: 'orthogonal', gain: 1.5 });
  t.deepEqual(Array.from(resolveWeights(spec, { field: 'W', rows: 5, cols: 5 }, { rng: new Rng(9) })), Array.from(initWeights('orthogonal', 5, 5, new Rng(9), 1.5)));
  t.is((WeightSpec.parse({ init: 'gaussian' }) as { gain: number }).gain, 1, 'gain defaults to 1');
});

test('a wrong shape names the field, the expected shape, what was found and the file', (t) => {
  const e = t.throws(() => load('W_f8.npy', { field: 'runs[1].W', rows: 4, cols: 4 }));
  t.regex(e.message, /^runs\[1\]\.W: expected a 4 x 4 matrix, got shape \[3, 4\] from file .*W_f8\.npy$/);
  const v = t.throws(() => resolveWeights(WeightSpec.parse({ values: [1, 2] }), { field: 'b', rows: 3, cols: 1, vector: true }, { rng: new Rng(1) }));
  t.regex(v.message, /^b: expected a vector of 3 entries, got shape \[2\] from inline values$/);
});

test('NaN in a file is rejected with its position; NaN inline is rejected by the schema', (t) => {
  for (const file of ['W_nan.npy', 'W_nan.csv']) {
    const e = t.throws(() => load(file));
    t.regex(e.message, /^W: entry \[1\]\[2\] is NaN in file .*W_nan\.(npy|csv); expected finite numbers$/, file);
  }
  const r = WeightSpec.safeParse({ values: [[1, NaN]] });
  t.false(r.success);
  t.true(JSON.stringify(r.error?.issues).includes('finite'));
});

test('ragged CSV, unsupported dtype, missing file and unknown extension are clear errors', (t) => {
  t.regex(t.throws(() => load('W_ragged.csv')).message, /CSV line 2 has 2 columns, expected 3/);
  t.regex(t.throws(() => load('W_int.npy')).message, /dtype "<i8" is not supported; expected float64/);
  t.regex(t.throws(() => load('missing.npy')).message, /^W: cannot read weights from .*missing\.npy/);
  t.regex(t.throws(() => load('W.mat')).message, /unknown weight file type "\.mat"/);
  t.regex(t.throws(() => parseNpy(new Uint8Array(20))).message, /not a \.npy file/);
});

