/**
 * The expression language of activations: a locked-down subset of mathjs for text that comes from
 * scenario files, i.e. from anyone.
 *
 * Grammar (checked on the parse tree before anything is evaluated or differentiated):
 *   expr := number | x | e | pi | ( expr ) | -expr | +expr | expr op expr | fn(expr)
 *   op   := + - * / ^   (implicit multiplication `2x` included)
 *   fn   := one of EXPRESSION_FUNCTIONS (one argument each)
 * Size: at most MAX_EXPRESSION_LENGTH characters and MAX_EXPRESSION_NODES tree nodes.
 *
 * Why: mathjs's default `derivative` simplifies its result, which is super-exponential in the
 * number of factors (`x*x*...*x` with 15 factors took 240 s); the full language reaches
 * `evaluate`, `createUnit` (which changes the process-wide instance), `import` and matrices as
 * large as memory (`sum(ones(20000, 20000))`). Here the derivative is taken without simplify (its
 * tree grows at most quadratically with the input's), and evaluation runs in a separate mathjs
 * instance in which import, createUnit, evaluate, parse, simplify, derivative, resolve and reviver
 * are disabled, as mathjs's security guidance for untrusted expressions recommends
 * (https://mathjs.org/docs/expressions/security.html).
 */
import { createRequire } from 'node:module';

type MathJs = typeof import('mathjs');
type MathNode = import('mathjs').MathNode;

/** Longest accepted expression text, in characters. */
export const MAX_EXPRESSION_LENGTH = 200;
/** Most nodes in the expression's parse tree. */
export const MAX_EXPRESSION_NODES = 100;
/** Most nodes in the derivative's tree (it grows at most quadratically with the expression's). */
const MAX_DERIVATIVE_NODES = 20_000;

/** The elementary functions an activation may call, each with one argument and a mathjs derivative. */
export const EXPRESSION_FUNCTIONS: readonly string[] = [
  'abs', 'exp', 'log', 'sqrt', 'cbrt',
  'sin', 'cos', 'tan', 'sec', 'csc', 'cot', 'asin', 'acos', 'atan',
  'sinh', 'cosh', 'tanh', 'sech', 'csch', 'coth', 'asinh', 'acosh', 'atanh',
];
const FUNCTIONS = new Set(EXPRESSION_FUNCTIONS);
const OPERATORS = new Set(['add', 'subtract', 'multiply', 'divide', 'pow', 'unaryMinus', 'unaryPlus']);
const CONSTANTS = new Set(['e', 'pi']);

interface Sandbox {
  parse: MathJs['parse'];
  derivative: MathJs['derivative'];
}
let sandbox: Sandbox | undefined;

/**
 * The separate mathjs instance: `predictable` so that sqrt(-1) and (-8)^(1/3) are NaN (a numerical
 * fault the run reports) instead of complex numbers; parse and derivative are kept for this module
 * before the instance's own copies are disabled. mathjs takes about a second to load: only
 * expression activations need it, so it is made on first use.
 */
function mathSandbox(): Sandbox {
  if (sandbox) return sandbox;
  const { create, all } = createRequire(import.meta.url)('mathjs') as MathJs;
  const math = create(all, { predictable: true, number: 'number' });
  sandbox = { parse: math.parse, derivative: math.derivative };
  const disabled = (name: string) => () => {
    throw new Error(`${name} is disabled in activation expressions`);
  };
  math.import(
    Object.fromEntries(['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative', 'resolve', 'reviver', 'compile'].map((n) => [n, disabled(n)])),
    { override: true },
  );
  return sandbox;
}

/** An expression that is not in the language: the message says what is wrong and what is allowed. */
export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

const quote = (s: string): string => JSON.stringify(s.length > 60 ? s.slice(0, 60) + '...' : s);

/**
 * Parse `text` and check it against the grammar above. Nothing of the expression is evaluated.
 * @throws ExpressionError naming the first construct that is not allowed.
 */
export function parseExpression(text: string): MathNode {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`activation expression ${quote(text)} has ${text.length} characters; at most ${MAX_EXPRESSION_LENGTH} are allowed`);
  }
  const { parse } = mathSandbox();
  let node: MathNode;
  try {
    node = parse(text);
  } catch (e) {
    throw new ExpressionError(`activation expression ${quote(text)} does not parse: ${(e as Error).message}`);
  }
  let count = 0;
  const bad: string[] = [];
  node.traverse((n: MathNode, _path: string, parent: MathNode | null) => {
    count++;
    const reason = disallowed(n, parent);
    if (reason && bad.length < 3) bad.push(reason);
  });
  if (bad.length > 0) {
    throw new ExpressionError(
      `activation expression ${quote(text)} uses ${bad.join('; ')}; allowed: numbers, x, e, pi, + - * / ^, parentheses and ${EXPRESSION_FUNCTIONS.join(', ')} (one argument each)`,
    );
  }
  if (count > MAX_EXPRESSION_NODES) {
    throw new ExpressionError(`activation expression ${quote(text)} has ${count} terms; at most ${MAX_EXPRESSION_NODES} are allowed`);
  }
  return node;
}

/** Why a node is not in the language (undefined when it is). */
function disallowed(n: MathNode, parent: MathNode | null): string | undefined {
  const a = n as unknown as { type: string; name?: string; value?: unknown; fn?: unknown; op?: string; args?: MathNode[] };
  switch (a.type) {
    case 'ConstantNode':
      return typeof a.value === 'number' ? undefined : `the constant ${quote(String(a.value))}`;
    case 'ParenthesisNode':
      return undefined;
    case 'OperatorNode':
      return OPERATORS.has(String(a.fn)) ? undefined : `the operator "${a.op}"`;
    case 'SymbolNode': {
      const p = parent as unknown as { type?: string; fn?: unknown } | null;
      if (p?.type === 'FunctionNode' && p.fn === n) return undefined; // checked with its FunctionNode
      return a.name === 'x' || CONSTANTS.has(a.name!) ? undefined : `the symbol "${a.name}" (only x is a variable)`;
    }
    case 'FunctionNode': {
      const fn = a.fn as { type?: string; name?: string };
      if (fn.type !== 'SymbolNode' || !FUNCTIONS.has(fn.name!)) return `the function ${quote(fn.name ?? String(a.fn))}`;
      return a.args!.length === 1 ? undefined : `${fn.name} with ${a.args!.length} arguments`;
    }
    default:
      return `an expression of type ${a.type.replace(/Node$/, '')}`;
  }
}

/**
 * d/dx of a checked expression, without simplify. mathjs writes d|u| as |u|/u * u', which is 0/0
 * at u = 0: it is replaced by sign(u) * u' (the subgradient 0 at 0, as for relu).
 */
export function differentiate(node: MathNode): MathNode {
  const { derivative } = mathSandbox();
  const d = derivative(node, 'x', { simplify: false });
  const fixed = d.transform((n: MathNode) => {
    const o = n as unknown as { type: string; fn?: string; args?: MathNode[] };
    if (o.type === 'OperatorNode' && o.fn === 'divide') {
      const [num, den] = o.args!;
      const f = num as unknown as { type: string; fn?: { name?: string }; args?: MathNode[] };
      if (f.type === 'FunctionNode' && f.fn?.name === 'abs' && f.args!.length === 1 && f.args![0]!.equals(den!)) {
        return new ((num as unknown as MathNode).constructor as new (fn: MathNode, args: MathNode[]) => MathNode)(
          new ((f.fn as unknown as MathNode).constructor as new (name: string) => MathNode)('sign'),
          [den!],
        );
      }
    }
    return n;
  });
  let count = 0;
  fixed.traverse(() => count++);
  if (count > MAX_DERIVATIVE_NODES) throw new ExpressionError(`its derivative has ${count} terms (at most ${MAX_DERIVATIVE_NODES})`);
  return fixed;
}

/** A checked expression compiled to a function of x (evaluated in the sandbox instance). */
export function compileExpression(node: MathNode): (x: number) => number {
  const code = node.compile();
  const scope = new Map<string, number>([['x', 0]]);
  return (x) => {
    scope.set('x', x);
    const v = code.evaluate(scope);
    return typeof v === 'number' ? v : NaN;
  };
}
