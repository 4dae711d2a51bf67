/**
 * Where a weight matrix (or vector) comes from in a scenario: a named initialisation with a gain,
 * explicit values inline, or a file (JSON nested array, CSV, NumPy .npy) resolved relative to the
 * scenario file's directory.
 *
 * ```yaml
 * W: { init: orthogonal, gain: 1.2 }
 * W: { values: [[0.5, 0.1], [0.0, 0.9]] }
 * W: { file: weights/W.npy }
 * ```
 *
 * `WeightSpec` is the zod schema other studies reuse; `resolveWeights` turns a spec into a
 * Float64Array of the expected shape, with errors that name the field, the expected shape and
 * the file.
 */
import { extname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { Rng } from '../init/rng.ts';
import { activation, BUILTIN_ACTIVATIONS } from '../activations/index.ts';
import { didYouMean } from '../scenario/suggest.ts';
import { INITIALISATIONS, initWeights } from '../init/weights.ts';
import { LIMITS, limit } from '../scenario/limits.ts';
import { readFileSafely } from '../scenario/safe-read.ts';

const finite = z.number({ error: 'weights must be finite numbers (no NaN or Infinity)' });

export const WeightInitSpec = z
  .object({
    init: z.enum(INITIALISATIONS).describe('named initialisation (src/init/weights.ts), e.g. gaussian N(0, gain^2/n), orthogonal, identity'),
    gain: z.number().nonnegative().default(1).describe('gain g multiplying the initialisation (gaussian: std g/sqrt(n); orthogonal and identity: g times the matrix)'),
  })
  .strict();

export const WeightValuesSpec = z
  .object({
    values: z
      .union([z.array(z.array(finite)), z.array(finite)])
      .describe('explicit weights: a nested array of rows (matrix) or a flat array (vector)'),
  })
  .strict();

export const WeightFileSpec = z
  .object({
    file: z
      .string()
      .min(1)
      .describe('path to a .json (nested array), .csv (one row per line) or .npy (float64/float32) file, relative to the scenario file'),
  })
  .strict();

/** A weight matrix or vector: `{init, gain}`, `{values}` or `{file}`. */
export const WeightSpec = z
  .union([WeightInitSpec, WeightValuesSpec, WeightFileSpec])
  .describe('weights: { init: <name>, gain: <g> } or { values: [[...]] } or { file: <path relative to the scenario> }');
export type WeightSpec = z.infer<typeof WeightSpec>;

/** What a weight spec must produce. `vector: true` accepts a flat array, rows x 1 or 1 x rows. */
export interface WeightTarget {
  /** The parameter's name in the scenario, for error messages (e.g. "runs[0].W"). */
  field: string;
  rows: number;
  cols: number;
  vector?: boolean;
}

/** A dense matrix read from JSON, CSV or .npy: shape as stored, data row-major. */
export interface LoadedMatrix {
  shape: number[];
  data: Float64Array;
}

/**
 * The scenario's directory, for resolving weight files. The scenario loader is to add
 * `scenarioDir` to StudyContext; until then this falls back to the working directory.
 */
export function scenarioDir(ctx: object): string {
  return (ctx as { scenarioDir?: string }).scenarioDir ?? process.cwd();
}

/**
 * Resolve a weight spec to a row-major Float64Array of target.rows x target.cols.
 *
 * @param opts.rng draws for named initialisations (fork one per field for independence).
 * @param opts.baseDir directory that relative file paths are resolved against (the scenario's).
 * @throws Error naming the field, the expected shape and the source when the shape is wrong or
 *   an entry is not finite.
 */
export function resolveWeights(spec: WeightSpec, target: WeightTarget, opts: { rng: Rng; baseDir?: string }): Float64Array {
  const { field, rows, cols } = target;
  if ('init' in spec) return initWeights(spec.init, rows, cols, opts.rng, spec.gain ?? 1);
  let loaded: LoadedMatrix;
  let source: string;
  if ('values' in spec) {
    source = 'inline values';
    loaded = fromNested(spec.values as unknown, field);
  } else {
    const path = isAbsolute(spec.file) ? spec.file : resolve(opts.baseDir ?? process.cwd(), spec.file);
    source = `file ${path}`;
    try {
      loaded = readMatrixFile(path);
    } catch (e) {
      throw new Error(`${field}: cannot read weights from ${path}: ${(e as Error).message}`);
    }
  }
  return checkShape(loaded, target, source);
}

function checkShape(loaded: LoadedMatrix, target: WeightTarget, source: string): Float64Array {
  const { field, rows, cols, vector } = target;
  const { shape, data } = loaded;
  const ok =
    (shape.length === 2 && shape[0] === rows && shape[1] === cols) ||
    (vector === true && cols === 1 &&
      ((shape.length === 1 && shape[0] === rows) || (shape.length === 2 && shape[0] === 1 && shape[1] === rows)));
  if (!ok) {
    const want = vector && cols === 1 ? `a vector of ${rows} entries` : `a ${rows} x ${cols} matrix`;
    throw new Error(`${field}: expected ${want}, got shape [${shape.join(', ')}] from ${source}`);
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      const at = shape.length === 2 ? `[${Math.floor(i / shape[1]!)}][${i % shape[1]!}]` : `[${i}]`;
      throw new Error(`${field}: entry ${at} is ${v} in ${source}; expected finite numbers`);
    }
  }
  return data;
}

/** A nested array of rows (matrix, shape [r, c]) or a flat array (shape [r]); rows must be equal length. */
function fromNested(v: unknown, what: string): LoadedMatrix {
  if (!Array.isArray(v)) throw new Error(`${what}: expected an array of numbers or an array of rows`);
  if (v.length === 0) return { shape: [0], data: new Float64Array(0) };
  if (Array.isArray(v[0])) {
    const r = v.length;
    const c = (v[0] as unknown[]).length;
    const data = new Float64Array(r * c);
    for (let i = 0; i < r; i++) {
      const row = v[i];
      if (!Array.isArray(row) || row.length !== c) {
        throw new Error(`${what}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} entries, expected ${c} like row 0`);
      }
      for (let j = 0; j < c; j++) data[i * c + j] = toNumber(row[j], what, `[${i}][${j}]`);
    }
    return { shape: [r, c], data };
  }
  const data = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) data[i] = toNumber(v[i], what, `[${i}]`);
  return { shape: [v.length], data };
}

function toNumber(x: unknown, what: string, at: string): number {
  // JSON has no NaN literal; null (what JSON.stringify writes for NaN) is read as NaN for the finiteness check
  if (x === null) return NaN;
  if (typeof x !== 'number') throw new Error(`${what}: entry ${at} is ${JSON.stringify(x)}, expected a number`);
  return x;
}

/**
 * Read a matrix from .json, .csv or .npy by extension: a regular file of at most
 * LIMITS.weightsBytes (src/scenario/safe-read.ts).
 */
export function readMatrixFile(path: string): LoadedMatrix {
  const ext = extname(path).toLowerCase();
  const read = (): Buffer => readFileSafely(path, limit(LIMITS.weightsBytes), `${LIMITS.weightsBytes.env} changes it`);
  switch (ext) {
    case '.json':
      return parseJsonMatrix(read().toString('utf8'));
    case '.csv':
    case '.txt':
      return parseCsvMatrix(read().toString('utf8'));
    case '.npy':
      return parseNpy(read());
    default:
      throw new Error(`unknown weight file type "${ext}"; expected .json, .csv or .npy`);
  }
}

/** A JSON nested array of rows, or a flat array. `NaN`/`Infinity` are not JSON; null reads as NaN. */
export function parseJsonMatrix(text: string): LoadedMatrix {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`invalid JSON: ${(e as Error).message.slice(0, 200)}`);
  }
  return fromNested(v, 'JSON');
}

/**
 * CSV of numbers, one row per line, separated by commas (or whitespace); blank lines and lines
 * starting with '#' are skipped. A number is decimal (`-1.5e-3`); JavaScript's Number() also takes
 * `0x1`, `0b1` and `0o7`, so each cell is matched against a decimal pattern first. NaN, Inf and -Inf are read (and then rejected by the finiteness check with their position).
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseCsvMatrix(text: string): LoadedMatrix {
  const rows: number[][] = [];
  const lines = text.split(/\r?\n/);
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.includes(',') ? line.split(',') : line.split(/\s+/);
    const row = cells.map((c, j) => {
      const s = c.trim();
      if (/^[+-]?inf(inity)?$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
      if (/^nan$/i.test(s)) return NaN;
      if (!DECIMAL.test(s)) throw new Error(`CSV line ${li + 1}, column ${j + 1}: ${JSON.stringify(s.slice(0, 40))} is not a decimal number`);
      return Number(s);
    });
    if (rows.length > 0 && row.length !== rows[0]!.length) {
      throw new Error(`CSV line ${li + 1} has ${row.length} columns, expected ${rows[0]!.length} like the first row`);
    }
    rows.push(row);
  }
  const r = rows.length;
  const c = r > 0 ? rows[0]!.length : 0;
  const data = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) data[i * c + j] = rows[i]![j]!;
  return { shape: [r, c], data };
}

/**
 * NumPy .npy (format versions 1.0, 2.0, 3.0): magic "\x93NUMPY", version, header length (uint16
 * for 1.0, uint32 after), a Python dict literal {'descr', 'fortran_order', 'shape'}, then the raw
 * data. Reads float64 ('<f8', '>f8') and float32 ('<f4', '>f4'), C or Fortran order, into a
 * row-major Float64Array.
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
export function parseNpy(bytes: Uint8Array): LoadedMatrix {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error('not a .npy file (bad magic string)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    headerLen = view.getUint32(8, true);
    start = 12;
  } else throw new Error(`unsupported .npy format version ${major}`);
  if (start + headerLen > bytes.length) throw new Error(`.npy header is truncated: ${headerLen} bytes announced, ${bytes.length - start} present`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const shown = (): string => JSON.stringify(header.trim().slice(0, 80)) + (header.trim().length > 80 ? ` (${headerLen} bytes, shown up to 80)` : '');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`.npy header is not understood: ${shown()}`);
  }
  const dims = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (dims.some((d) => !/^\d{1,9}L?$/.test(d))) throw new Error(`.npy shape (${shapeText.slice(0, 40)}) is not a tuple of non-negative integers`);
  const shape = dims.map((d) => Number.parseInt(d, 10));
  if (shape.length < 1 || shape.length > 2) throw new Error(`.npy array has ${shape.length} dimensions; expected a vector or a matrix`);
  let size: number;
  if (descr === '<f8' || descr === '>f8') size = 8;
  else if (descr === '<f4' || descr === '>f4') size = 4;
  else throw new Error(`.npy dtype "${descr}" is not supported; expected float64 ('<f8') or float32 ('<f4')`);
  const little = descr[0] === '<';
  const count = shape.reduce((p, s) => p * s, 1);
  const dataStart = start + headerLen;
  if (bytes.length - dataStart < count * size) {
    throw new Error(`.npy data is truncated: ${bytes.length - dataStart} bytes for ${count} values of ${size} bytes`);
  }
  if (bytes.length - dataStart > count * size) {
    throw new Error(`.npy file has ${bytes.length - dataStart - count * size} bytes after its ${count} values of ${size} bytes; expected none`);
  }
  const data = new Float64Array(count);
  const rows = shape[0]!;
  const cols = shape.length === 2 ? shape[1]! : 1;
  for (let k = 0; k < count; k++) {
    const v = size === 8 ? view.getFloat64(dataStart + k * 8, little) : view.getFloat32(dataStart + k * 4, little);
    // Fortran order stores column by column: element k is (k % rows, k / rows)
    const idx = fortran === 'True' && shape.length === 2 ? (k % rows) * cols + Math.floor(k / rows) : k;
    data[idx] = v;
  }
  return { shape, data };
}

/** W, U, b of an RNN of hidden size n and input size m from their specs (one rng fork each, in that order). */
export function resolveRnnWeights(
  specs: { W: WeightSpec; U: WeightSpec; b: WeightSpec },
  n: number,
  m: number,
  opts: { rng: Rng; baseDir?: string; field?: string },
): { W: Float64Array; U: Float64Array; b: Float64Array } {
  const at = (name: string): string => (opts.field ? `${opts.field}.${name}` : name);
  const W = resolveWeights(specs.W, { field: at('W'), rows: n, cols: n }, { rng: opts.rng.fork(), baseDir: opts.baseDir });
  const U = resolveWeights(specs.U, { field: at('U'), rows: n, cols: m }, { rng: opts.rng.fork(), baseDir: opts.baseDir });
  const b = resolveWeights(specs.b, { field: at('b'), rows: n, cols: 1, vector: true }, { rng: opts.rng.fork(), baseDir: opts.baseDir });
  return { W, U, b };
}

/** A zod string that must name a built-in activation or parse as a mathjs expression in x. */
export function activationName(defaultName: string) {
  return z
    .string()
    .min(1)
    .default(defaultName)
    .superRefine((s, ctx) => {
      try {
        activation(s);
      } catch (e) {
        // a lone misspelt word is more likely a built-in name than an expression
        const hint = /^[A-Za-z]+$/.test(s) ? didYouMean(s, Object.keys(BUILTIN_ACTIVATIONS)) : '';
        ctx.addIssue({ code: 'custom', message: (e as Error).message + hint });
      }
    })
    .describe('activation f: sigmoid, tanh, relu, identity, or an expression in x such as "x / (1 + abs(x))"');
}
