/**
 * Kubernetes: the Indexed Job, the merge Job and the scenario's ConfigMap validate against the
 * Kubernetes API schemas (kubernetes-models, generated from the Kubernetes OpenAPI document), a
 * broken manifest does not, and the manifests say what they must: the completion index is the
 * shard, shards resume, the merge waits for every shard and reads where the shards write.
 * There is no cluster here: nothing is applied.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import YAML from 'yaml';
import { DEFAULT_K8S, k8sManifests } from '../../src/sweeps/k8s.ts';
import { smallAddingSweep, writeScenario } from '../helpers/small-sweep.ts';

const plan = { file: '/work/x.yaml', name: 'adding-sweep', outDir: '/work/out', shardsDir: '/work/out/adding-sweep.shards', shards: 5, jobs: 60 };
const opts = { ...DEFAULT_K8S, command: [...DEFAULT_K8S.command], image: 'registry.example/rnn-dynamics:0.1.0', cpus: 2 };

function validate(doc: Record<string, unknown>): void {
  if (doc.kind === 'Job') new Job(doc as never).validate();
  else if (doc.kind === 'ConfigMap') new ConfigMap(doc as never).validate();
  else throw new Error(`unexpected kind ${String(doc.kind)}`);
}

test('the manifests validate against the Kubernetes Job and ConfigMap schemas; broken ones do not', (t) => {
  const m = k8sManifests(plan, 'name: adding-sweep\n', opts);
  const docs = YAML.parseAllDocuments(m.yaml).map((d) => d.toJS() as Record<string, unknown>);
  t.deepEqual(docs, JSON.parse(JSON.stringify([m.configMap, m.shards, m.merge])));
  for (const d of docs) t.notThrows(() => validate(d), String((d.metadata as { name: string }).name));

  const broken: [string, (j: ReturnType<typeof structuredClone<typeof m.shards>>) => void, RegExp][] = [
    ['a misspelt completion mode', (j) => ((j.spec as { completionMode: string }).completionMode = 'indexed'), /completionMode must be equal to one of the allowed values/],
    ['completions as a string', (j) => ((j.spec as { completions: unknown }).completions = '5'), /completions must be integer/],
    ['a container without a name', (j) => delete (j.spec!.template.spec!.containers[0] as { name?: string }).name, /must have required property name/],
    ['a pod without containers', (j) => delete (j.spec!.template.spec as { containers?: unknown }).containers, /must have required property containers/],
  ];
  for (const [what, mutate, message] of broken) {
    const j = structuredClone(m.shards);
    mutate(j);
    t.throws(() => validate(j as unknown as Record<string, unknown>), { message }, what);
  }
});

test('the completion index is the shard; shards resume; the merge waits for every shard and reads where they write', (t) => {
  const m = k8sManifests(plan, 'name: adding-sweep\n', { ...opts, parallelism: 2 });
  const spec = m.shards.spec!;
  t.is(spec.completionMode, 'Indexed');
  t.is(spec.completions, 5);
  t.is(spec.parallelism, 2);
  t.is(spec.backoffLimitPerIndex, DEFAULT_K8S.retriesPerShard);
  const pod = spec.template.spec!;
  t.is(pod.restartPolicy, 'Never');
  const shard = pod.containers[0]!;
  t.deepEqual(shard.command, ['rnn-dynamics']);
  t.deepEqual(shard.args, ['run', '/scenario/adding-sweep.yaml', '--shard', '$(JOB_COMPLETION_INDEX)/5', '--resume', '--out', '/data/reports']);
  t.deepEqual(shard.env!.find((e) => e.name === 'RNN_DYNAMICS_THREADS'), { name: 'RNN_DYNAMICS_THREADS', value: '2' });
  t.is(shard.resources!.limits!.cpu, '2');
  // the scenario file the pods read is the ConfigMap's key
  t.deepEqual(Object.keys(m.configMap.data!), ['adding-sweep.yaml']);
  t.is(pod.volumes!.find((v) => v.name === 'scenario')!.configMap!.name, m.configMap.metadata!.name);
  for (const p of [pod, m.merge.spec!.template.spec!]) {
    for (const c of [...p.containers, ...(p.initContainers ?? [])]) for (const vm of c.volumeMounts ?? []) t.truthy(p.volumes!.find((v) => v.name === vm.name), `${c.name} mounts ${vm.name}`);
  }
  const merge = m.merge.spec!.template.spec!;
  t.deepEqual(merge.initContainers![0]!.args, ['status', '/data/reports/adding-sweep.shards', '--wait']);
  t.deepEqual(merge.containers[0]!.args, ['merge', '/data/reports/adding-sweep.shards', '--out', '/data/reports']);
  t.throws(() => k8sManifests({ ...plan, name: 'x'.repeat(60) }, '', opts), { message: /name: a Kubernetes object name allows at most 50 characters here, found 60/ });
});

test('command line: slurm --k8s writes the manifest, which validates; --k8s --submit is refused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-'));
  const file = writeScenario(dir, smallAddingSweep());
  const run = (args: string[]) => spawnSync(process.execPath, [join('src', 'cli', 'rnn-dynamics.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const r = run(['slurm', file, '--shards', '4', '--k8s', '--image', 'my/rnn:1', '--out', join(dir, 'out')]);
  t.is(r.status, 0, r.stderr);
  const written = readFileSync(join(dir, 'out', 'small-adding-sweep.shards', 'k8s.yaml'), 'utf8');
  t.is(r.stdout, written);
  const docs = YAML.parseAllDocuments(written).map((d) => d.toJS() as Record<string, unknown>);
  t.is(docs.length, 3);
  for (const d of docs) t.notThrows(() => validate(d));
  t.is((docs[0]!.data as Record<string, string>)['small-adding-sweep.yaml'], readFileSync(file, 'utf8'));
  const submit = run(['slurm', file, '--shards', '4', '--k8s', '--submit', '--out', join(dir, 'out')]);
  t.is(submit.status, 2);
  t.regex(submit.stderr, /there is no --submit for Kubernetes; apply the written manifest with kubectl apply -f/);
});
