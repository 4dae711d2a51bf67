/**
 * The LSTM's configuration and parameter layout (lstm.ts has the cell): its variants (forget gate,
 * peepholes, squashing), the blocks of theta in order, their count, and PyTorch's tensors laid out
 * as theta.
 *
 * theta = [Wx (Gn x m), Wh (Gn x n), b (Gn), p_i, p_f, p_o (n each, when present)], the gates
 * stacked in blocks of n rows in the order [i, f, g, o] (PyTorch's) or [i, g, o] (1997 cell).
 *
 * @example lstmBlocks(lstmConfig({ n: 2, m: 1 })).map((b) => b.name) // ['Wx', 'Wh', 'b']
 */
import { blocksSize, checkBlock, type ParameterBlock } from './cell.ts';

export type CellSquash = 'tanh' | 'scaled-sigmoid';

/** Shape and variant of an LSTM cell. */
export interface LstmConfig {
  /** Hidden size (number of memory cells). */
  readonly n: number;
  /** Input size. */
  readonly m: number;
  /** false: the 1997 cell (CEC with weight 1); true: the forget-gate cell of Gers et al. (2000). */
  readonly forgetGate: boolean;
  /** Diagonal peephole weights from the cell state to the gates (Gers and Schmidhuber 2000). */
  readonly peepholes: boolean;
  /** Cell input/output squashing: tanh, or the 1997 paper's scaled sigmoids. */
  readonly squash: CellSquash;
}

/**
 * Number of parameters of an LSTM layer with n cells and m inputs:
 *
 *     G n (m + n + 1) + [peepholes] (G - 1) n + p (n + 1),   G = 4 (forget gate) or 3 (1997 cell),
 *
 * the last term being a readout of size p (p = 0 leaves it out).
 *
 * @example lstmParameterCount(10, 2, { forgetGate: true }) // 4 * 10 * 13 = 520
 */
export function lstmParameterCount(n: number, m: number, opts: { forgetGate?: boolean; peepholes?: boolean; p?: number } = {}): number {
  const G = opts.forgetGate === false ? 3 : 4;
  const p = opts.p ?? 0;
  return G * n * (m + n + 1) + (opts.peepholes ? (G - 1) * n : 0) + p * (n + 1);
}

/** The full configuration with defaults (forget gate, no peepholes, tanh), checked. */
export function lstmConfig(config: Partial<LstmConfig> & { n: number; m: number }): LstmConfig {
  const cfg: LstmConfig = {
    n: config.n,
    m: config.m,
    forgetGate: config.forgetGate ?? true,
    peepholes: config.peepholes ?? false,
    squash: config.squash ?? 'tanh',
  };
  const { n, m } = cfg;
  if (!Number.isInteger(n) || n < 1) throw new Error(`lstm: hidden size n must be a positive integer, got ${n}`);
  if (!Number.isInteger(m) || m < 0) throw new Error(`lstm: input size m must be a non-negative integer, got ${m}`);
  if (cfg.squash !== 'tanh' && cfg.squash !== 'scaled-sigmoid') {
    throw new Error(`lstm: squash must be 'tanh' or 'scaled-sigmoid', got ${String(cfg.squash)}`);
  }
  return cfg;
}

/** The parameter blocks of a configuration, in theta order. */
export function lstmBlocks(cfg: LstmConfig): ParameterBlock[] {
  const { n, m, forgetGate, peepholes } = cfg;
  const Gn = (forgetGate ? 4 : 3) * n;
  const blocks: ParameterBlock[] = [
    { name: 'Wx', rows: Gn, cols: m },
    { name: 'Wh', rows: Gn, cols: n },
    { name: 'b', rows: Gn, cols: 1 },
  ];
  if (peepholes) {
    blocks.push({ name: 'pi', rows: n, cols: 1 });
    if (forgetGate) blocks.push({ name: 'pf', rows: n, cols: 1 });
    blocks.push({ name: 'po', rows: n, cols: 1 });
  }
  return blocks;
}

/** PyTorch's four tensors of one LSTM layer (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0). */
export interface TorchTensors {
  readonly weight_ih: Float64Array;
  readonly weight_hh: Float64Array;
  readonly bias_ih: Float64Array;
  readonly bias_hh: Float64Array;
}

/** The variant PyTorch's torch.nn.LSTM computes: forget gate, no peepholes, tanh. */
export const TORCH_LSTM = { forgetGate: true, peepholes: false, squash: 'tanh' } as const;

/**
 * theta of a forget-gate LSTM without peepholes from PyTorch's tensors (torch.nn.LSTM, gate order
 * i, f, g, o, which is theta's): Wx = weight_ih, Wh = weight_hh, b = bias_ih + bias_hh.
 *
 * @throws Error naming the tensor whose shape or values are wrong, with the expected shape.
 */
export function lstmThetaFromTorch(n: number, m: number, t: TorchTensors): Float64Array {
  const blocks = lstmBlocks(lstmConfig({ n, m, ...TORCH_LSTM }));
  const [wx, wh, b] = blocks as [ParameterBlock, ParameterBlock, ParameterBlock];
  checkBlock('lstm', { ...wx, name: 'weight_ih' }, t.weight_ih);
  checkBlock('lstm', { ...wh, name: 'weight_hh' }, t.weight_hh);
  checkBlock('lstm', { ...b, name: 'bias_ih' }, t.bias_ih);
  checkBlock('lstm', { ...b, name: 'bias_hh' }, t.bias_hh);
  const theta = new Float64Array(blocksSize(blocks));
  theta.set(t.weight_ih);
  theta.set(t.weight_hh, t.weight_ih.length);
  const bOff = t.weight_ih.length + t.weight_hh.length;
  for (let i = 0; i < t.bias_ih.length; i++) theta[bOff + i] = t.bias_ih[i]! + t.bias_hh[i]!;
  return theta;
}

/** A of the cell-input squashing G(a) = A tanh(a / k). */
export function squashAmplitude(s: CellSquash): number {
  return s === 'tanh' ? 1 : 2;
}

/** 1/k of the cell-input squashing G(a) = A tanh(a / k) and of the cell output H(c) = tanh(c / k). */
export function squashInv(s: CellSquash): number {
  return s === 'tanh' ? 1 : 0.5;
}

