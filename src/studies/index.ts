/**
 * The registry of studies: one per scenario `kind`, in the order `rnn-dynamics list` shows them.
 */
import type { Study } from './study.ts';

export const STUDIES: readonly Study[] = [];

export const STUDIES_BY_KIND: ReadonlyMap<string, Study> = new Map(STUDIES.map((s) => [s.kind, s]));
