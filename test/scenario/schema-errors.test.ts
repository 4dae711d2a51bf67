/**
 * A malformed scenario gets an error naming the file, the field path, what was expected and what
 * was found.
 */
import test from 'ava';
import { ScenarioError } from '../../src/scenario/errors.ts';
import { parseScenarioText, validateScenario } from '../../src/scenario/load.ts';
import { TOY_STUDIES, toyScenario } from '../helpers/toy-study.ts';

function problems(input: unknown): string[] {
  try {
    validateScenario(input, 'scenarios/bad.yaml', '.', TOY_STUDIES);
  } catch (e) {
    if (e instanceof ScenarioError) {
      for (const line of e.message.split('\n')) if (!line.startsWith('scenarios/bad.yaml: ')) throw new Error(`line without file: ${line}`);
      return e.problems;
    }
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

test('a valid scenario fills in defaults', (t) => {
  const l = validateScenario(toyScenario(), 'x.yaml', '.', TOY_STUDIES);
  t.deepEqual(l.scenario.params, { a: 3, points: 11, fail: false });
  t.deepEqual(l.scenario.checks, []);
});

test('missing field names the field and says it is missing', (t) => {
  const s = toyScenario();
  delete s.seed;
  t.deepEqual(problems(s), ['seed: expected number, found nothing (the field is missing)']);
});

test('wrong type names the nested field, the expected type and the found value', (t) => {
  t.deepEqual(problems(toyScenario({ params: { a: 'five' } })), ['params.a: expected number, found string "five"']);
});

test('unknown kind lists the known kinds', (t) => {
  t.deepEqual(problems(toyScenario({ kind: 'lstm-magic' })), ['kind: unknown study kind "lstm-magic"; expected one of toy']);
});

test('out-of-range values say the bound', (t) => {
  t.deepEqual(problems(toyScenario({ seed: -1 })), ['seed: expected a number >= 0, found number -1']);
  t.deepEqual(problems(toyScenario({ params: { a: 1, points: 1 } })), ['params.points: expected a number >= 2, found number 1']);
  t.deepEqual(problems(toyScenario({ params: { a: -2 } })), ['params.a: expected a number > 0, found number -2']);
  t.deepEqual(problems(toyScenario({ params: { points: 2.5 } })), ['params.points: expected int, found number 2.5']);
});

test('NaN weights-like values are rejected', (t) => {
  t.deepEqual(problems(toyScenario({ params: { a: Number.NaN } })), ['params.a: expected number, found NaN']);
});

test('unknown fields are named with the nearest known one (typos do not pass silently)', (t) => {
  t.deepEqual(problems(toyScenario({ sead: 3 })), ['(top level): unknown field "sead" (did you mean "seed"?) (check the spelling; `rnn-dynamics describe <kind>` lists the fields)']);
  t.deepEqual(problems(toyScenario({ params: { a: 1, ponts: 3 } })), [
    'params: unknown field "ponts" (did you mean "points"?) (check the spelling; `rnn-dynamics describe <kind>` lists the fields)',
  ]);
  t.deepEqual(problems(toyScenario({ params: { a: 1, zzzzzz: 3 } })), ['params: unknown field "zzzzzz" (check the spelling; `rnn-dynamics describe <kind>` lists the fields)']);
});

test('unknown chart ids are named with the ones available', (t) => {
  t.deepEqual(problems(toyScenario({ charts: ['parabola', 'pie'] })), ['charts[1]: unknown chart "pie"; expected one of parabola, noise']);
});

test('checks need exactly one kind of expectation, and a tolerance with expected', (t) => {
  t.deepEqual(problems(toyScenario({ checks: [{ path: 'peak', expected: 3 }] })), ['checks[0].tolerance: expected a tolerance to go with expected']);
  t.deepEqual(problems(toyScenario({ checks: [{ path: 'peak' }] })), [
    'checks[0]: expected exactly one of: expected (with tolerance), min/max, or equals',
  ]);
});

test('all problems of a file are reported together', (t) => {
  const p = problems({ name: 'Bad Name', kind: 'toy', seed: 'x', params: { a: 'y' } });
  t.true(p.some((l) => l.startsWith('name: expected a name of lower-case letters')));
  t.true(p.includes('description: expected string, found nothing (the field is missing)'));
  t.true(p.includes('seed: expected number, found string "x"'));
  t.true(p.includes('params.a: expected number, found string "y"'));
});

test('a non-mapping document is rejected', (t) => {
  t.deepEqual(problems([1, 2]), ['(top level): expected a mapping with name, kind, description, seed, params, found an array of length 2']);
});

test('malformed YAML names the line and column', (t) => {
  const err = t.throws(() => parseScenarioText('name: x\nkind: [toy\nseed: 1\n', 'scenarios/bad.yaml'), { instanceOf: ScenarioError });
  t.regex(err.message, /^scenarios\/bad\.yaml: malformed YAML at line \d+, column \d+: /);
});

test('duplicate keys in YAML are an error, not a silent override', (t) => {
  const err = t.throws(() => parseScenarioText('name: x\nname: y\n', 'scenarios/bad.yaml'), { instanceOf: ScenarioError });
  t.regex(err.message, /line 2, column 1/);
});
