/**
 * Binary floating-point formats by their parameters, and correct rounding to any of them from a
 * float64 value: the two working precisions (float64, float32; precision.ts) and two narrower
 * formats that exist here only by emulation, bfloat16 (Google Brain's "brain float": float32's
 * 8-bit exponent, 8 significand bits) and IEEE 754 binary16 (float16: 5-bit exponent, 11 significand
 * bits, subnormals and overflow to infinity).
 *
 * A format with p significand bits (the leading one included) and normal exponents emin..emax holds
 * the numbers +-M 2^(e - p + 1) with integer 0 <= M < 2^p and emin <= e <= emax, plus +-Infinity
 * and NaN; its unit roundoff is u = 2^-p (Higham 2002, "Accuracy and Stability of Numerical
 * Algorithms", sec. 2.1). Rounding is IEEE 754's default, round to nearest with ties to even:
 * x goes to the format number nearest to it, and a tie to the one with even M; a value whose
 * rounding (with an unbounded exponent) exceeds the largest finite number overflows to +-Infinity;
 * below 2^emin the spacing stays 2^(emin - p + 1) (gradual underflow), so tiny values become
 * subnormal numbers or a zero that keeps the sign of x.
 *
 * Emulating arithmetic: a product of two p-bit numbers has at most 2p significant bits, exact in
 * float64 for p <= 26, so rounding the float64 product once is the correctly rounded product; a
 * sum computed in float64 and then rounded to p bits is rounded twice, which gives the correctly
 * rounded sum whenever 53 >= 2p + 2 (Figueroa 1995, "When is double rounding innocuous?"): true for
 * float32 (p = 24), bfloat16 (8) and float16 (11).
 *
 * @example roundTo(FORMATS.bfloat16)(1 + 2 ** -8) // 1: a tie between 1 and 1 + 2^-7, to the even significand
 * @example roundTo(FORMATS.float16)(65520) // Infinity: halfway between 65504 (the largest) and 2^16
 */
import type { Precision } from './precision.ts';

/** The formats of the precision-horizon study: the two working precisions and two emulated ones. */
export type FormatName = Precision | 'bfloat16' | 'float16';

export interface FloatFormat {
  readonly name: FormatName;
  /** Significand bits p, the leading bit included. */
  readonly p: number;
  /** Smallest and largest exponent of a normal number. */
  readonly emin: number;
  readonly emax: number;
  /** Unit roundoff u = 2^-p. */
  readonly u: number;
  /** Largest finite number (2 - 2^(1-p)) 2^emax. */
  readonly max: number;
  /** Smallest positive (subnormal) number 2^(emin - p + 1). */
  readonly minSubnormal: number;
}

function format(name: FormatName, p: number, emin: number, emax: number): FloatFormat {
  return { name, p, emin, emax, u: 2 ** -p, max: (2 - 2 ** (1 - p)) * 2 ** emax, minSubnormal: 2 ** (emin - p + 1) };
}

/** IEEE binary64 and binary32, bfloat16, IEEE binary16. */
export const FORMATS: Readonly<Record<FormatName, FloatFormat>> = {
  float64: format('float64', 53, -1022, 1023),
  float32: format('float32', 24, -126, 127),
  bfloat16: format('bfloat16', 8, -126, 127),
  float16: format('float16', 11, -14, 15),
};

/** The formats from the widest to the narrowest significand (the order of the precision-horizon study's summary and charts). */
export const FORMAT_NAMES: readonly FormatName[] = ['float64', 'float32', 'float16', 'bfloat16'];

/** 2^k at POW2[k + 1074], k = -1074..1023. */
const POW2 = Float64Array.from({ length: 2098 }, (_, i) => 2 ** (i - 1074));
/** 2^52: y + 2^52 - 2^52 is y rounded to an integer, ties to even, for 0 <= y < 2^52 (float64 arithmetic rounds so). */
const TWO52 = 2 ** 52;
// the exponent bits of a float64, read through a shared buffer (the high word is the second on little-endian machines)
const WORD = new Float64Array(1);
const HALVES = new Uint32Array(WORD.buffer);
const HI = new Uint32Array(new Float64Array([1]).buffer)[1] === 0x3ff00000 ? 1 : 0;

/**
 * x correctly rounded to the format (round to nearest, ties to even; see the module comment): the
 * quantum of x's binade, q = 2^(max(e, emin) - p + 1) with e = floor(log2 |x|) from the exponent
 * bits, |x| / q (exact: a power of two) rounded to an integer, times q; +-Infinity when that
 * exceeds the largest finite number. NaN, +-Infinity and +-0 are returned as they are. A float64
 * subnormal reads as e = -1023, below every format's emin but float64's (roundTo never calls this
 * for float64), so it takes the quantum of the format's subnormals, as it should.
 *
 * @example roundToFormat(FORMATS.float16, 2 ** -25) // 0: half the smallest subnormal, a tie to the even 0
 */
export function roundToFormat(f: FloatFormat, x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  WORD[0] = a;
  const e = ((HALVES[HI]! >>> 20) & 0x7ff) - 1023;
  const k = Math.max(e, f.emin) - f.p + 1;
  const r = (a * POW2[1074 - k]! + TWO52 - TWO52) * POW2[k + 1074]!;
  const v = r > f.max ? Infinity : r;
  return x < 0 ? -v : v;
}

const identity = (v: number): number => v;

/**
 * The rounding function of a format for float64 values: the identity for float64, Math.fround for
 * float32 (the same correctly rounded result as roundToFormat, built in), roundToFormat otherwise.
 */
export function roundTo(f: FloatFormat): (v: number) => number {
  if (f.name === 'float64') return identity;
  if (f.name === 'float32') return Math.fround;
  return (v) => roundToFormat(f, v);
}
