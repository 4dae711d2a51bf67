/**
 * A minimal study for testing the scenario and report pipeline independently of the mathematics:
 * y = a * x^2 on a grid, with an optional deliberate failure.
 */
import { z } from 'zod';
import { lineChart } from '../../src/report/chart-spec.ts';
import type { Study } from '../../src/studies/study.ts';
import { Rng } from '../../src/init/rng.ts';
import { fields, list, measured } from '../../src/scenario/summary-schema.ts';

const params = z
  .object({
    a: z.number().positive().default(2).describe('Curvature.'),
    points: z.number().int().min(2).max(1000).default(11).describe('Grid points.'),
    fail: z.boolean().default(false).describe('Throw while running (tests the atomic write).'),
  })
  .strict();

export const toyStudy: Study<z.infer<typeof params>> = {
  kind: 'toy',
  summary: 'A parabola, for testing the pipeline.',
  params,
  chartIds: ['parabola', 'noise'],
  summarySchema: fields({ peak: measured('a'), noiseMean: measured('mean of the normal draws'), values: list(measured('a x^2'), 'y on the grid') }),
  run(p, ctx) {
    if (p.fail) throw new Error('deliberate failure');
    const x = Array.from({ length: p.points }, (_, i) => -1 + (2 * i) / (p.points - 1));
    const y = x.map((v) => p.a * v * v);
    const rng = new Rng(ctx.seed);
    const noise = x.map(() => rng.normal());
    ctx.progress(1, 1);
    return {
      summary: { peak: p.a, noiseMean: noise.reduce((s, v) => s + v, 0) / noise.length, values: new Float64Array(y) },
      charts: [
        lineChart({ id: 'parabola', title: 'Parabola', caption: 'y = a x^2.', x: { title: 'x' }, y: { title: 'y' }, series: [{ label: 'a x^2', x, y }] }),
        lineChart({ id: 'noise', title: 'Noise', caption: 'Seeded normal draws.', x: { title: 'i' }, y: { title: 'z' }, series: [{ label: 'z', x: x.map((_, i) => i), y: noise, pointsOnly: true }] }),
      ],
      theory: [{ quantity: 'value at x = 1', theory: p.a, measured: y[y.length - 1]!, agrees: true, source: 'y = a x^2' }],
      discussion: 'A parabola.',
    };
  },
};

export const TOY_STUDIES = new Map([[toyStudy.kind, toyStudy as Study]]);

export function toyScenario(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'toy', kind: 'toy', description: 'A toy scenario.', seed: 7, params: { a: 3 }, ...over };
}
