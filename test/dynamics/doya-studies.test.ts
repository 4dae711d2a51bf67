/**
 * The two Doya studies run with their default scenarios' params: summary keys exist, headline
 * numbers match the closed forms (computed here independently), and runs are deterministic.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import YAML from 'yaml';
import { logit, sigmoid } from '../../src/activations/index.ts';
import { doyaBifurcationStudy } from '../../src/studies/doya-bifurcation.ts';
import { doyaGeometricLossStudy } from '../../src/studies/doya-geometric-loss.ts';
import type { StudyContext } from '../../src/studies/study.ts';
import { TOL } from '../helpers/tolerance.ts';
import { biasAtEquilibrium, foldPoints } from '../../src/dynamics/folds.ts';
import { equilibria } from '../../src/dynamics/equilibria.ts';

const ctx: StudyContext = { seed: 1, scenarioDir: new URL('../../scenarios/', import.meta.url).pathname, progress: () => {} };

function scenarioParams(file: string): unknown {
  const doc = YAML.parse(readFileSync(new URL(`../../scenarios/${file}`, import.meta.url), 'utf8')) as { params: unknown };
  return doc.params;
}

const bifParams = doyaBifurcationStudy.params.parse(scenarioParams('doya-bifurcation.yaml'));
const lossParams = doyaGeometricLossStudy.params.parse(scenarioParams('doya-geometric-loss.yaml'));

test('doya-bifurcation: folds, cusp, equilibria and hysteresis match theory', async (t) => {
  const r = await doyaBifurcationStudy.run(bifParams, ctx);
  const s = r.summary as any;
  const w = bifParams.w;
  const root = Math.sqrt(1 - 4 / w);
  const expectedFolds = [(1 + root) / 2, (1 - root) / 2].map((x) => ({ x, b: logit(x) - w * x }));
  for (let i = 0; i < 2; i++) {
    t.true(Math.abs(s.foldPoints[i].b - expectedFolds[i]!.b) < TOL.roundoff);
    t.true(Math.abs(s.foldPoints[i].x - expectedFolds[i]!.x) < TOL.roundoff);
    t.true(Math.abs(s.foldsMeasured[i].b - expectedFolds[i]!.b) < TOL.rootSolve);
  }
  t.true(Math.abs(s.foldPoints[0].b - -2.65561) < TOL.quoted5);
  t.true(Math.abs(s.foldPoints[1].b - -2.34439) < TOL.quoted5);
  t.deepEqual(s.cusp, { w: 4, b: -2, x: 0.5 });
  t.true(Math.abs(s.cuspMeasured.w - 4) < TOL.rootSolve);
  // equilibria table: count 3 strictly between the folds, residual of x = sigma(w x + b)
  t.is(s.equilibria.length, bifParams.tableB.length);
  for (const row of s.equilibria) {
    const inside = row.b > expectedFolds[0]!.b && row.b < expectedFolds[1]!.b;
    t.is(row.count, inside ? 3 : 1, `b = ${row.b}`);
    for (const e of row.equilibria) t.true(Math.abs(sigmoid(w * e.x + row.b) - e.x) < TOL.roundoff);
    if (row.count === 3) t.deepEqual(row.equilibria.map((e: { stable: boolean }) => e.stable), [true, false, true]);
  }
  // hysteresis: past the folds, within the predicted lag (leading-order law, see hysteresis.test.ts)
  const h = s.hysteresis;
  for (const key of ['upJumpB', 'downJumpB', 'rampRate', 'upLag', 'downLag', 'predictedLag']) t.is(typeof h[key], 'number', key);
  t.is(h.rampRate, bifParams.ramp.rate);
  t.true(h.upJumpB > expectedFolds[1]!.b && h.upJumpB < expectedFolds[1]!.b + 1.05 * h.predictedLag);
  t.true(h.downJumpB < expectedFolds[0]!.b && h.downJumpB > expectedFolds[0]!.b - 1.05 * h.predictedLag);
  t.deepEqual(r.charts.map((c) => c.id), [...doyaBifurcationStudy.chartIds]);
  t.true(r.theory.every((row) => row.agrees !== false), JSON.stringify(r.theory.filter((row) => row.agrees === false)));
  t.true(r.discussion.includes('Doya') && r.discussion.includes('Pascanu'));
});

test('doya-geometric-loss: loss jump, adjoint check and exploding peak at the basin boundary', async (t) => {
  const r = await doyaGeometricLossStudy.run(lossParams, ctx);
  const s = r.summary as any;
  const bStar = logit(lossParams.x0) - lossParams.w * lossParams.x0;
  t.true(Math.abs(s.basinBoundaryB - bStar) < TOL.roundoff);
  t.true(s.lossJump > 0.45 && s.lossJump < 0.55, `lossJump ${s.lossJump}`);
  t.true(Math.abs(s.lossJump - s.lossJumpTheory) < 1e-3);
  t.true(s.gradientCheck.maxRelativeError < TOL.finiteDifference, `adjoint vs FD ${s.gradientCheck.maxRelativeError}`);
  t.true(s.gradientCheck.checked > 100);
  // peak per horizon: growing with T, sitting within the spike width e^{-lambda_u T} of b*
  const lambdaU = -1 + lossParams.w * lossParams.x0 * (1 - lossParams.x0);
  t.is(s.peakGradient.length, lossParams.horizons.length);
  for (let i = 0; i < s.peakGradient.length; i++) {
    const pk = s.peakGradient[i];
    t.is(pk.T, lossParams.horizons[i]);
    if (i > 0) t.true(pk.value > s.peakGradient[i - 1].value);
    if (pk.T >= 20) t.true(pk.distanceFromBoundary < Math.exp(-lambdaU * pk.T), `T = ${pk.T}: ${pk.distanceFromBoundary}`);
  }
  t.true(Math.abs(s.peakGrowthRate - lambdaU) < 0.01, `growth ${s.peakGrowthRate} vs ${lambdaU}`);
  // the RK4 value at b* against the flow's closed form 2|target - x0| x0(1-x0)(e^{lambda T} - 1)/lambda
  const last = s.gradientAtBoundary[s.gradientAtBoundary.length - 1];
  const T = lossParams.horizons[lossParams.horizons.length - 1]!;
  const flow = 2 * Math.abs(lossParams.target - lossParams.x0) * ((lossParams.x0 * (1 - lossParams.x0)) / lambdaU) * Math.expm1(lambdaU * T);
  // RK4 at dt = 0.05: relative error ~ T (lambda dt)^4 / 120 ~ 5e-9
  t.true(Math.abs(last.adjoint / flow - 1) < 1e-6);
  t.true(s.sensitivity[s.sensitivity.length - 1].atAttractor < 1e-6, 'vanishing on the attractor');
  t.deepEqual(r.charts.map((c) => c.id), [...doyaGeometricLossStudy.chartIds]);
  t.true(r.theory.every((row) => row.agrees !== false), JSON.stringify(r.theory.filter((row) => row.agrees === false)));
});

test('both studies are deterministic and honour a chart subset', async (t) => {
  const a = await doyaBifurcationStudy.run(bifParams, ctx);
  const b = await doyaBifurcationStudy.run(bifParams, { ...ctx, charts: ['hysteresis'] });
  t.is(JSON.stringify(a.summary), JSON.stringify(b.summary));
  t.deepEqual(b.charts.map((c) => c.id), ['hysteresis']);
  const small = doyaGeometricLossStudy.params.parse({ ...(scenarioParams('doya-geometric-loss.yaml') as object), bPoints: 41, x0Points: 41 });
  const c = await doyaGeometricLossStudy.run(small, ctx);
  const d = await doyaGeometricLossStudy.run(small, ctx);
  t.is(JSON.stringify(c.summary), JSON.stringify(d.summary));
});

test('the parameter schemas reject what the mathematics cannot handle', (t) => {
  t.false(doyaBifurcationStudy.params.safeParse({ w: 3 }).success, 'w <= 4 has no folds');
  t.false(doyaBifurcationStudy.params.safeParse({ bMin: -2, bMax: -3 }).success);
  t.false(doyaGeometricLossStudy.params.safeParse({ x0: 0.9 }).success, 'x0 outside the fold states has no basin boundary');
  t.false(doyaGeometricLossStudy.params.safeParse({ bMin: -2.4 }).success, 'sweep must contain b*');
  t.false(doyaGeometricLossStudy.params.safeParse({ horizons: [10, 5] }).success);
  t.true(doyaGeometricLossStudy.params.safeParse({}).success);
});

test('dependent defaults: the windows follow w and x0 (unchanged at w = 5, x0 = 1/2)', (t) => {
  const bif = doyaBifurcationStudy.params.parse({});
  t.deepEqual([bif.bMin, bif.bMax], [-3, -2]);
  t.deepEqual(bif.tableB, [-3, -2.7, -2.6, -2.5, -2.4, -2.3, -2]);
  const bif7 = doyaBifurcationStudy.params.parse({ w: 7 });
  const folds = foldPoints(7);
  t.true(bif7.bMin < folds[0]!.b && folds[1]!.b < bif7.bMax);
  const geo = doyaGeometricLossStudy.params.parse({});
  t.deepEqual([geo.bMin, geo.bMax, geo.target], [-2.7, -2.3, 0.855]);
  const geo7 = doyaGeometricLossStudy.params.parse({ w: 7, x0: 0.6 });
  const bStar = biasAtEquilibrium(7, 0.6);
  t.true(geo7.bMin < bStar && bStar < geo7.bMax);
  const upper = equilibria(7, bStar).filter((e) => e.stable).at(-1)!;
  t.is(geo7.target, Number(upper.x.toFixed(3)));
});
