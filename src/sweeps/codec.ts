/**
 * An exact text form for job results, so that a result read back from a journal is the same value,
 * bit for bit, as the one the job returned. JSON alone is exact for finite numbers (JavaScript
 * prints the shortest decimal that parses back to the same double: Steele and White 1990, Loitsch
 * 2010) but loses NaN, +-Infinity, -0, undefined and typed arrays; those are written as tagged
 * objects:
 *
 *   NaN, Infinity, -Infinity, -0  ->  {"$num": "NaN"} ...
 *   undefined                     ->  {"$undefined": true}
 *   Float64Array (any typed array)->  {"$typed": "Float64Array", "base64": "<little-endian bytes>"}
 *
 * A plain object whose keys start with "$" cannot be encoded (it would read back as a tag).
 *
 * @example
 *   decodeExact(JSON.parse(JSON.stringify(encodeExact({ loss: new Float64Array([NaN, -0, 0.1]) }))))
 *   // { loss: Float64Array [NaN, -0, 0.1] }, the same bits
 */

const TYPED = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
} as const;
type TypedName = keyof typeof TYPED;

/** The value as a plain JSON value (tags where JSON falls short) from which decodeExact rebuilds it exactly. */
export function encodeExact(value: unknown): unknown {
  return toTagged(value, '(result)');
}

/** Inverse of encodeExact (of its value after a round trip through JSON text). */
export function decodeExact(tagged: unknown): unknown {
  return fromTagged(tagged);
}

function toTagged(v: unknown, at: string): unknown {
  if (v === undefined) return { $undefined: true };
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { $num: 'NaN' };
    if (v === Infinity) return { $num: 'Infinity' };
    if (v === -Infinity) return { $num: '-Infinity' };
    if (Object.is(v, -0)) return { $num: '-0' };
    return v;
  }
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name;
    if (!(name in TYPED)) throw new Error(`journal: cannot encode a ${name} at ${at}`);
    if (isBigEndian) throw new Error('journal: typed arrays are stored little-endian; this machine is big-endian');
    return { $typed: name, base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  }
  if (Array.isArray(v)) return v.map((x, i) => toTagged(x, `${at}[${i}]`));
  if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) {
    throw new Error(`journal: cannot encode a ${(v as object).constructor?.name ?? 'non-plain object'} at ${at}`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k.startsWith('$')) throw new Error(`journal: cannot encode the key "${k}" at ${at} (keys starting with $ are tags)`);
    out[k] = toTagged(x, `${at}.${k}`);
  }
  return out;
}

function fromTagged(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(fromTagged);
  const o = v as Record<string, unknown>;
  if ('$num' in o) return Number(o.$num === '-0' ? -0 : o.$num);
  if ('$undefined' in o) return undefined;
  if ('$typed' in o) {
    const Ctor = TYPED[o.$typed as TypedName];
    if (!Ctor) throw new Error(`journal: unknown typed array ${String(o.$typed)}`);
    const bytes = Buffer.from(o.base64 as string, 'base64');
    // a fresh, aligned buffer: Buffer.from may return a view at an odd offset of a shared pool
    const copy = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(copy).set(bytes);
    return new Ctor(copy);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = fromTagged(x);
  return out;
}

const isBigEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

/**
 * JSON with object keys sorted at every level: the same value gives the same text whatever the
 * order in which its keys were set (used for the scenario's fingerprint).
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.keys(x as object).sort().map((k) => [k, (x as Record<string, unknown>)[k]]))
      : x,
  );
}
