/**
 * The replication machinery (claims against the summary, Wilson rates, the index) and small runs
 * of the replication studies whose claims they check: the Jacobian spectra (isometry of orthogonal
 * linear networks, the spread of ReLU's), the mean-field depth scales (xi_c measured in random
 * networks against the mean field).
 */
import test from 'ava';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TANH } from '../../src/activations/index.ts';
import { correlationMap, meanFieldDepthScales } from '../../src/analysis/mean-field.ts';
import { decayDepth, propagateSignal } from '../../src/analysis/signal-propagation.ts';
import { Rng } from '../../src/init/rng.ts';
import { replicationIndexMarkdown } from '../../src/report/replication-index.ts';
import { runScenario } from '../../src/index.ts';
import { compareWithPaper, paperSchema, rate } from '../../src/studies/replication.ts';
import { trainabilitySweepStudy } from '../../src/studies/trainability-sweep.ts';
import { STUDIES_BY_KIND } from '../../src/studies/index.ts';
import { loadScenarioFile } from '../../src/scenario/load.ts';
import { checkSummaryPath, summaryMismatches } from '../../src/scenario/summary-schema.ts';
import { TOL } from '../helpers/tolerance.ts';
import { fivePointGradient } from '../helpers/finite-differences.ts';
import { oneUnitLoss, oneUnitStep, wallGradient } from '../../src/dynamics/one-unit-map.ts';
import { entropyRate, kaplanYorkeDimension } from '../../src/analysis/attractor-dimension.ts';

const paper = {
  citation: 'A and B 2000',
  setup: 'as the paper',
  claims: [
    { id: 'a', claim: 'x is small', source: 'table 1', paper: 0.1, measured: 'x', agree: { max: 0.2 } },
    { id: 'b', claim: 'y is large', source: 'figure 2', paper: null, notFound: 'only a figure', measured: 'y.z', agree: { min: 5 } },
  ],
};

test('claims are evaluated on the summary with the rules of scenario checks', (t) => {
  const r = compareWithPaper(paperSchema.parse(paper), { x: 0.15, y: { z: 3 } });
  t.deepEqual(r.claims.map((c) => [c.id, c.ours, c.agrees]), [['a', 0.15, true], ['b', 3, false]]);
  t.is(r.agreed, 1);
  t.is(r.claims[0]!.rule, '≤ 0.2');
  t.false(paperSchema.safeParse({ ...paper, claims: [{ ...paper.claims[1], notFound: undefined }] }).success, 'a null number needs its reason');
});

test('rates carry the Wilson interval: 3 of 5', (t) => {
  const r = rate(3, 5);
  t.is(r.rate, 0.6);
  t.true(Math.abs(r.lower - 0.2307) < TOL.quoted4 && Math.abs(r.upper - 0.8824) < TOL.quoted4);
});

test('the index lists every claim of every replication report, with the paper\'s number or why there is none', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'replications-'));
  mkdirSync(join(dir, 'one'));
  const replication = compareWithPaper(paperSchema.parse(paper), { x: 0.15, y: { z: 3 } });
  writeFileSync(join(dir, 'one', 'summary.json'), JSON.stringify({ replication, checksPassed: true, checks: [{ pass: true }], scenario: { description: 'd' } }));
  writeFileSync(join(dir, 'timings.json'), JSON.stringify({ one: { wall: 2, cpu: 1.5 } }));
  const md = replicationIndexMarkdown(dir);
  t.regex(md, /1 scenarios, 1 of 2 claims agree/);
  t.regex(md, /\| \[A and B 2000\]\(one\/report.md\) \| x is small \| 0.1 \(table 1\) \| 0.15; agrees when ≤ 0.2 \| ✅ yes \|/);
  t.regex(md, /none quoted \(figure 2\): only a figure/);
  t.regex(md, /1.5 s CPU, 2 s wall/);
});

test('every replication scenario names claim paths its study declares, and every committed replication summary parses against its declaration', (t) => {
  const dir = 'scenarios/replications';
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  t.true(files.length >= 13);
  for (const f of files) {
    const loaded = loadScenarioFile(join(dir, f), STUDIES_BY_KIND);
    const paper = (loaded.scenario.params as { paper?: { claims: { id: string; measured: string }[] } }).paper;
    t.truthy(paper, `${f}: a replication names its paper`);
    for (const c of paper!.claims) t.is(checkSummaryPath(loaded.study.summarySchema, c.measured), null, `${f}: claim ${c.id}`);
    const report = join('reports/replications', loaded.scenario.name, 'summary.json');
    if (!existsSync(report)) continue;
    // the study's own fields: without what run adds around them (name, kind, package, checks, warnings, scenario)
    const { name: _n, kind: _k, package: _p, checks: _c, checksPassed: _cp, warnings: _w, scenario: _s, ...own } = JSON.parse(readFileSync(report, 'utf8')) as Record<string, unknown>;
    t.deepEqual(summaryMismatches(loaded.study.summarySchema, own), [], report);
  }
});

test('decayDepth recovers the depth scale of a geometric approach', (t) => {
  t.true(Math.abs(decayDepth([0.5, 0.25, 0.125, 0.0625], 0, 1e-3) - 1 / Math.log(2)) < TOL.roundoff);
  t.true(Number.isNaN(decayDepth([0.5, 1e-4], 0, 1e-3)));
});

test('a wide random network follows the mean-field correlation map layer by layer', (t) => {
  const w = 1.3;
  const b = 0.05;
  const s = meanFieldDepthScales(TANH, w, b);
  const N = 600;
  const tr = propagateSignal(TANH, w, b, N, 8, { q0: (s.qStar - b) / w, c0: 0.2 }, new Rng(3));
  // layer 1 sees the raw inputs: its correlation is (sigma_w^2 q0 c0 + sigma_b^2) / q*
  let c = (w * ((s.qStar - b) / w) * 0.2 + b) / s.qStar;
  for (let l = 0; l < 8; l++) {
    t.true(Math.abs(tr.c[l]! - c) < TOL.statisticalSigmas * (3 / Math.sqrt(N)), `layer ${l + 1}: ${tr.c[l]} vs ${c}`);
    t.true(Math.abs(tr.q[l]! / s.qStar - 1) < TOL.statisticalSigmas * (3 / Math.sqrt(N)), `q at layer ${l + 1}`);
    c = correlationMap(TANH, w, b, s.qStar, c);
  }
});

test('jacobian-spectrum: orthogonal linear nets are isometries, ReLU spreads, orthogonal tanh near q* = 0 barely does', async (t) => {
  const { summary } = await runScenario({
    name: 'tiny-isometry',
    kind: 'jacobian-spectrum',
    description: 'small',
    seed: 1,
    params: {
      paper: {
        citation: 'Pennington et al. 2017',
        setup: 'small',
        claims: [
          { id: 'iso', claim: 'isometry', source: 'abstract', paper: 'all 1', measured: 'configurations["lin"].byDepth["8"].maxDeviationFromOne', agree: { max: 1e-10 } },
          { id: 'relu', claim: 'relu spreads', source: 'abstract', paper: 'no isometry', measured: 'configurations["relu"].byDepth["8"].varianceSquared', agree: { min: 3 } },
          { id: 'tanh', claim: 'tanh near isometry', source: 'abstract', paper: 'isometry', measured: 'configurations["tanh"].byDepth["8"].varianceSquared', agree: { max: 0.5 } },
        ],
      },
      width: 40,
      depths: [2, 8],
      networks: 2,
      configurations: [
        { name: 'lin', activation: 'identity', init: 'orthogonal', sigmaW2: 1 },
        { name: 'relu', activation: 'relu', init: 'orthogonal', sigmaW2: 2 },
        { name: 'tanh', activation: 'tanh', init: 'orthogonal', sigmaW2: 'critical', sigmaB2: 1e-4 },
      ],
    },
  });
  const rep = summary.replication as { claims: { id: string; agrees: boolean }[] };
  t.deepEqual(rep.claims.map((c) => c.agrees), [true, true, true]);
});

test('mean-field-depth-scales: xi_c peaks at the critical line and the measured xi_c follows the mean field', async (t) => {
  const { summary } = await runScenario({
    name: 'tiny-depth-scales',
    kind: 'mean-field-depth-scales',
    description: 'small',
    seed: 1,
    params: {
      paper: {
        citation: 'Schoenholz et al. 2017',
        setup: 'small',
        claims: [
          { id: 'peak', claim: 'xi_c diverges', source: 'abstract', paper: 'diverges', measured: 'peakXiCSigmaW2', agree: { expected: 1.761, tolerance: 0.1 } },
          { id: 'measured', claim: 'measured xi_c', source: 'section 3', paper: null, notFound: 'figure', measured: 'worstMeasuredRatio', agree: { min: 0.6, max: 1.6 } },
        ],
      },
      sigmaW2: { from: 1, to: 3, points: 21 },
      measure: [1.2],
      width: 300,
      depth: 20,
      networks: 3,
    },
  });
  const rep = summary.replication as { claims: { agrees: boolean }[] };
  t.deepEqual(rep.claims.map((c) => c.agrees), [true, true]);
  t.true(Math.abs((summary.criticalSigmaW2 as number) - 1.761) < 1e-3);
});

test('one-unit map: the forward sensitivities equal five-point differences, and dL/db at the wall is 2 (x_0 - target) (lambda^T - 1) / (lambda - 1)', (t) => {
  const prob = { x0: 0.5, T: 30, target: 0.7 };
  for (const [w, b] of [[5, -2.5], [3, -1], [6, -3.2]] as const) {
    const g = oneUnitLoss(w, b, prob);
    const v = new Float64Array([w, b]);
    const fd = fivePointGradient(v, () => oneUnitLoss(v[0]!, v[1]!, prob).loss);
    t.true(Math.abs(g.dw - fd[0]!) < TOL.finiteDifference * Math.max(1, Math.abs(g.dw)));
    t.true(Math.abs(g.db - fd[1]!) < TOL.finiteDifference * Math.max(1, Math.abs(g.db)));
  }
  const wall = wallGradient(5, prob);
  const at = oneUnitLoss(5, wall.b, prob);
  t.true(Math.abs(at.xT - 0.5) < TOL.roundoff, 'the state stays on the unstable fixed point');
  t.true(Math.abs(at.db / wall.db - 1) < TOL.roundoff);
  const step = oneUnitStep(5, wall.b + 1e-3, prob, 0.1, 1);
  t.true(Math.abs(step.stepLength - 0.1) < TOL.roundoff, 'a clipped step is lr x threshold long');
});

test('entropy rate and Kaplan-Yorke dimension of known spectra', (t) => {
  t.true(Math.abs(entropyRate([0.5, 0.1, -0.2]) - 0.6) < TOL.roundoff);
  t.true(Math.abs(kaplanYorkeDimension([0.5, 0.1, -0.2, -1]) - 3.4) < TOL.roundoff);
  t.is(kaplanYorkeDimension([-0.1, -0.2]), 0);
  t.true(Number.isNaN(kaplanYorkeDimension([0.3, 0.1])), 'a spectrum cut before its sum turns negative has no dimension');
});

test('trainability-sweep: Wilson rates per (model, T), the gain x T phase diagram and the clipping difference', async (t) => {
  const { summary, result } = await runScenario({
    name: 'tiny-sweep',
    kind: 'trainability-sweep',
    description: 'small',
    seed: 1,
    params: {
      paper: { citation: 'Bengio et al. 1994', setup: 'small', claims: [{ id: 'short', claim: 'T = 3 learned', source: 'IV', paper: null, notFound: 'figure', measured: 'minSolvedAtShortestT', agree: { min: 1 } }] },
      task: { name: 'latch', testSize: 64 },
      lags: [4, 6],
      models: [{ kind: 'rnn-tanh', n: 4, gain: 0.8, id: 'g08' }, { kind: 'rnn-tanh', n: 4, gain: 1.5, id: 'g15' }],
      repetitions: 2,
      training: { batchSize: 8, steps: 150, evalEvery: 50, testSize: 64 },
      variants: [{ id: 'plain', training: { clip: null } }, { id: 'clipped', training: { clip: 1 } }],
      phaseDiagram: { parameter: 'gain', title: 'gain' },
      threads: 1,
    },
  });
  const groups = summary.groups as Record<string, { byT: Record<string, { solved: number; runs: number; rate: number; lower: number; upper: number }> }>;
  t.deepEqual(Object.keys(groups).sort(), ['g08/clipped', 'g08/plain', 'g15/clipped', 'g15/plain']);
  for (const g of Object.values(groups)) {
    for (const c of Object.values(g.byT)) {
      t.is(c.runs, 2);
      t.true(c.lower <= c.rate && c.rate <= c.upper, 'the rate lies in its interval');
    }
  }
  t.is(typeof summary.clippingGain, 'number');
  t.deepEqual((summary.phaseDiagram as { x: number[] }).x, [0.8, 1.5]);
  t.truthy(result.charts.find((c) => c.id === 'phase-diagram'));
});

test('trainability-sweep: a variant overrides only the training options it names', (t) => {
  const p = trainabilitySweepStudy.params.parse({
    paper: { citation: 'x', setup: 'x', claims: [{ id: 'a', claim: 'a', source: 's', paper: 1, measured: 'lags[0]', agree: { min: 0 } }] },
    task: { name: 'temporal-order' },
    lags: [20],
    models: [{ kind: 'rnn-tanh', n: 2 }],
    training: { optimiser: 'sgd', lr: 0.05, batchSize: 20, steps: 1500 },
    variants: [{ id: 'unclipped', training: { clip: null } }, { id: 'clipped', training: { clip: 1 } }],
  });
  t.deepEqual(p.variants!.map((v) => v.training), [{ clip: null }, { clip: 1 }]);
  t.is(p.training.optimiser, 'sgd');
  t.false(trainabilitySweepStudy.params.safeParse({ ...p, variants: [{ id: 'v', training: { lr: -1 } }] }).success, 'an override is still validated');
});

test('mlp-trainability: a cell per (sigma_w^2, depth) with its Wilson interval and xi_c per sigma_w^2', async (t) => {
  const { summary } = await runScenario({
    name: 'tiny-mlp',
    kind: 'mlp-trainability',
    description: 'small',
    seed: 1,
    params: {
      paper: { citation: 'Schoenholz et al. 2017', setup: 'small', claims: [{ id: 'a', claim: 'agreement', source: 's', paper: '6 xi_c', measured: 'agreement', agree: { min: 0 } }] },
      sigmaW2: [0.5, 1.76],
      depths: [2, 6],
      width: 8,
      trainSize: 200,
      testSize: 100,
      steps: 30,
      repetitions: 1,
    },
  });
  const cells = summary.cells as Record<string, Record<string, { runs: number }>>;
  t.deepEqual(Object.keys(cells['0.5']!), ['2', '6']);
  t.true((summary.xiC as Record<string, number>)['1.76']! > 100, 'xi_c is large at the critical line');
  t.true(Math.abs((summary.xiC as Record<string, number>)['0.5']! - 1.1914) < 1e-3, 'xi_c = -1 / ln chi_1 in the ordered phase');
});

test('init-trainability: Wilson rates per (initialisation, depth), common random numbers, and the mean-field chi of the zero-mean inits', async (t) => {
  const scenario = {
    name: 'tiny-init',
    kind: 'init-trainability' as const,
    description: 'small',
    seed: 1,
    params: {
      paper: { citation: 'Kumar 2017', setup: 'small', claims: [{ id: 'a', claim: 'kumar trains', source: 's', paper: null, notFound: 'n', measured: 'configurations["sigmoid-kumar"].byDepth["3"].runs', agree: { min: 2 } }] },
      depths: [3, 2],
      width: 8,
      trainSize: 200,
      testSize: 100,
      steps: 20,
      repetitions: 2,
      configurations: [
        { name: 'sigmoid-kumar', activation: 'sigmoid', init: 'kumar' as const },
        { name: 'sigmoid-kumar-variance', activation: 'sigmoid', init: 'kumar-variance' as const },
        { name: 'sigmoid-yilmaz-poli', activation: 'sigmoid', init: 'yilmaz-poli' as const },
      ],
    },
  };
  const { summary } = await runScenario(scenario);
  type Cell = { solved: number; runs: number; rate: number; lower: number; upper: number; medianGradientRatio: number };
  const cfg = summary.configurations as Record<string, { sigmaW2: number | null; chi: number | null; byDepth: Record<string, Cell> }>;
  t.deepEqual(Object.keys(cfg['sigmoid-kumar']!.byDepth), ['2', '3'], 'depths in ascending order');
  for (const c of Object.values(cfg)) {
    for (const cell of Object.values(c.byDepth)) {
      t.is(cell.runs, 2);
      t.true(cell.lower <= cell.rate && cell.rate <= cell.upper);
    }
  }
  t.is(cfg['sigmoid-kumar']!.sigmaW2, 3.6 * 3.6);
  t.is(cfg['sigmoid-kumar-variance']!.sigmaW2, 3.6);
  t.is(cfg['sigmoid-yilmaz-poli']!.sigmaW2, null, 'a non-zero mean has no sigma_w^2');
  t.true(cfg['sigmoid-kumar']!.chi! > cfg['sigmoid-kumar-variance']!.chi!);
  for (const c of Object.values(cfg)) t.true(Object.values(c.byDepth).every((cell) => cell.medianGradientRatio > 0));
  const again = await runScenario(scenario);
  t.deepEqual(again.summary.configurations, summary.configurations, 'the same seed gives the same summary');
});

test('a lag that makes no valid task is refused before anything runs, naming the field', async (t) => {
  const err = await t.throwsAsync(
    runScenario({
      name: 'bad-lag',
      kind: 'trainability-sweep',
      description: 'bad',
      seed: 1,
      params: {
        paper: { citation: 'x', setup: 'x', claims: [{ id: 'a', claim: 'a', source: 's', paper: 1, measured: 'lags[0]', agree: { min: 0 } }] },
        task: { name: 'temporal-order' },
        lags: [20, 10],
        models: [{ kind: 'rnn-tanh', n: 2 }],
        training: {},
      },
    }),
  );
  t.regex(err!.message, /params\.lags\[1\].*T = 10 does not make a valid temporal-order task/);
});
