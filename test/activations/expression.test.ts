/**
 * The locked-down expression language of activations: the grammar is checked on the parse tree
 * before anything runs, derivatives are taken without mathjs's super-exponential simplify, and
 * the instance that evaluates expressions has import, createUnit, evaluate, ... disabled.
 * Each hostile input below once hung validation, grew memory without bound or reached all of mathjs.
 */
import test from 'ava';
import { activation, EXPRESSION_FUNCTIONS, MAX_EXPRESSION_LENGTH } from '../../src/activations/index.ts';
import { parseExpression } from '../../src/activations/expression.ts';
import { TOL } from '../helpers/tolerance.ts';

const REFUSED: [string, RegExp][] = [
  ['x + 0*sum(ones(20000,20000))', /the function "sum"/],
  ['evaluate("x")', /the function "evaluate"/],
  ['createUnit("foo")', /the function "createUnit"/],
  ['parse("x")', /the function "parse"/],
  ['simplify("x")', /the function "simplify"/],
  ['derivative("x^2", "x")', /the function "derivative"/],
  ['resolve(x)', /the function "resolve"/],
  ['import({})', /the function "import"|does not parse/],
  ['f(x) = x', /FunctionAssignment/],
  ['a = 1', /Assignment/],
  ['[1, 2]', /Array/],
  ['{a: 1}', /Object/],
  ['x > 0 ? x : 0', /Conditional|operator/],
  ['x!', /the operator "!"/],
  ['y + x', /the symbol "y"/],
  ['"abc"', /the constant "abc"/],
  ['x.constructor', /Accessor|the constant/],
  ['log(x, 2)', /log with 2 arguments/],
  ['max(x, 0)', /the function "max"/],
  ['x +', /does not parse/],
  ['x' + '+x'.repeat(60), /terms; at most 100/],
  ['x'.repeat(MAX_EXPRESSION_LENGTH + 1), /characters; at most 200/],
];

for (const [expr, why] of REFUSED) {
  test(`refused before evaluation: ${expr.slice(0, 40)}`, (t) => {
    const e = t.throws(() => activation(expr));
    t.regex(e!.message, why);
    t.regex(e!.message, /^activation expression "/);
  });
}

test('a 41-character product of 21 factors differentiates at once (was a hang in simplify)', (t) => {
  const expr = 'x' + '*x'.repeat(20);
  t.is(expr.length, 41);
  const a = activation(expr);
  // d/dx x^21 = 21 x^20
  t.true(Math.abs(a.df(1.1) - 21 * 1.1 ** 20) <= TOL.roundoff * 21 * 1.1 ** 20);
});

test('createUnit inside an expression cannot change the process-wide mathjs', async (t) => {
  t.throws(() => activation('createUnit("foo")'));
  const { createRequire } = await import('node:module');
  const mathjs = createRequire(import.meta.url)('mathjs') as typeof import('mathjs');
  t.throws(() => mathjs.evaluate('1 foo'));
});

test('every whitelisted function differentiates, and its derivative matches central differences', (t) => {
  for (const fn of EXPRESSION_FUNCTIONS) {
    // arguments kept inside every function's domain (acosh needs >= 1, atanh |u| < 1)
    const inner = fn === 'acosh' ? '(2 + x^2)' : fn === 'atanh' || fn === 'asin' || fn === 'acos' ? '(x / 3)' : fn === 'log' || fn === 'sqrt' || fn === 'cbrt' ? '(1 + x^2)' : fn === 'coth' || fn === 'csch' || fn === 'csc' || fn === 'cot' ? '(1 + x^2)' : '(x / 2)';
    const a = activation(`${fn}${inner}`);
    for (const x of [-0.7, 0.3, 1.1]) {
      const h = 1e-5;
      const fd = (a.f(x + h) - a.f(x - h)) / (2 * h);
      t.true(Math.abs(a.df(x) - fd) <= TOL.finiteDifference * Math.max(1, Math.abs(fd)), `${fn} at ${x}: ${a.df(x)} vs ${fd}`);
    }
  }
});

test("|x|' is sign(x): softsign's derivative is finite at 0 without simplify", (t) => {
  const a = activation('x / (1 + abs(x))');
  t.is(a.df(0), 1);
  t.is(a.df(1), 0.25);
  t.is(a.gamma, 1);
});

test('sqrt of a negative number is NaN, not a complex number', (t) => {
  const a = activation('sqrt(1 + x)');
  t.true(Number.isNaN(a.f(-2)));
});

test('the parse tree check runs before mathjs evaluates anything', (t) => {
  // a function the whitelist does not name is refused even if mathjs would evaluate it harmlessly
  t.throws(() => parseExpression('sign(x)'), { message: /the function "sign"/ });
  t.notThrows(() => parseExpression('2 pi x + e'));
});
