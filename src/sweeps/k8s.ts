/**
 * Kubernetes manifests for a sharded sweep: a ConfigMap holding the scenario file, an Indexed Job
 * whose pods run `rnn-dynamics run --shard $(JOB_COMPLETION_INDEX)/N --resume` (the completion
 * index is the shard; a retried pod resumes from its journal on the shared volume), and a merge
 * Job. Kubernetes has no dependency between Jobs, so the merge pod's init container waits with
 * `rnn-dynamics status DIR --wait` until every shard's journal is complete, then the merge runs.
 *
 * Every pod mounts one ReadWriteMany PersistentVolumeClaim (journals and the report) and the
 * ConfigMap (the scenario). The image must have the rnn-dynamics command on its PATH (or give
 * another command). The manifests are typed against the Kubernetes API (kubernetes-models) and
 * the test suite validates them against its Job and ConfigMap schemas; no cluster was available to
 * run them.
 */
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IIoK8sApiCoreV1Container as IContainer } from 'kubernetes-models/v1/Container';
import type { IIoK8sApiCoreV1PodSpec as IPodSpec } from 'kubernetes-models/v1/PodSpec';
import YAML from 'yaml';
import { PACKAGE } from '../version.ts';
import { SweepInputError } from './journal.ts';
import type { ClusterPlan } from './slurm.ts';

export interface K8sOptions {
  /** Container image with rnn-dynamics installed. */
  image: string;
  /** The command that runs rnn-dynamics in the image. */
  command: string[];
  /** ReadWriteMany PersistentVolumeClaim for journals and reports, and where pods mount it. */
  claim: string;
  mountPath: string;
  /** CPUs and memory per shard pod (Kubernetes quantities, e.g. "1", "2Gi"). */
  cpus: number;
  mem: string;
  /** Shard pods at a time (default: all). */
  parallelism?: number;
  /** Retries per shard before the Job gives that index up. */
  retriesPerShard: number;
}

export const DEFAULT_K8S = { command: ['rnn-dynamics'], claim: 'rnn-dynamics-data', mountPath: '/data', mem: '2Gi', retriesPerShard: 3 } as const;

/** Kubernetes object names: DNS-1123 labels, at most 63 characters, with room for "-shards-<index>". */
const MAX_NAME = 63 - '-shards'.length - 6;

export interface K8sManifests {
  configMap: IConfigMap;
  shards: IJob;
  merge: IJob;
  /** All three as one multi-document YAML file. */
  yaml: string;
}

/**
 * The manifests for a plan (paths inside the pods are under mountPath), with the scenario file's
 * text for the ConfigMap.
 */
export function k8sManifests(plan: ClusterPlan, scenarioText: string, o: K8sOptions): K8sManifests {
  if (plan.name.length > MAX_NAME) {
    throw new SweepInputError(`${plan.file}: name: a Kubernetes object name allows at most ${MAX_NAME} characters here, found ${plan.name.length} ("${plan.name}")`);
  }
  const labels = { 'app.kubernetes.io/name': 'rnn-dynamics', 'app.kubernetes.io/version': PACKAGE.version, 'rnn-dynamics/scenario': plan.name };
  const scenarioFile = `/scenario/${plan.name}.yaml`;
  const outDir = `${o.mountPath.replace(/\/+$/, '')}/reports`;
  const shardsDir = `${outDir}/${plan.name}.shards`;
  const mounts = [
    { name: 'data', mountPath: o.mountPath },
    { name: 'scenario', mountPath: '/scenario', readOnly: true },
  ];
  const volumes: IPodSpec['volumes'] = [
    { name: 'data', persistentVolumeClaim: { claimName: o.claim } },
    { name: 'scenario', configMap: { name: `${plan.name}-scenario` } },
  ];
  const container = (name: string, args: string[], cpus: number): IContainer => ({
    name,
    image: o.image,
    command: o.command,
    args,
    env: [{ name: 'RNN_DYNAMICS_THREADS', value: String(cpus) }],
    resources: { requests: { cpu: String(cpus), memory: o.mem }, limits: { cpu: String(cpus), memory: o.mem } },
    volumeMounts: mounts,
  });
  const configMap: IConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${plan.name}-scenario`, labels },
    data: { [`${plan.name}.yaml`]: scenarioText },
  };
  const shards: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${plan.name}-shards`, labels },
    spec: {
      completionMode: 'Indexed',
      completions: plan.shards,
      parallelism: Math.min(o.parallelism ?? plan.shards, plan.shards),
      backoffLimitPerIndex: o.retriesPerShard,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            // the API server expands $(JOB_COMPLETION_INDEX), which the Job controller sets on every pod
            container('shard', ['run', scenarioFile, '--shard', `$(JOB_COMPLETION_INDEX)/${plan.shards}`, '--resume', '--out', outDir], o.cpus),
          ],
          volumes,
        },
      },
    },
  };
  const merge: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${plan.name}-merge`, labels },
    spec: {
      completions: 1,
      backoffLimit: 2,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          initContainers: [container('wait-for-shards', ['status', shardsDir, '--wait'], 1)],
          containers: [container('merge', ['merge', shardsDir, '--out', outDir], 1)],
          volumes,
        },
      },
    },
  };
  const header = `# ${PACKAGE.name} ${PACKAGE.version}: scenario ${plan.name}, ${plan.jobs} jobs in ${plan.shards} shards.\n# kubectl apply -f this file; the report appears in ${outDir}/${plan.name}/ on the claim ${o.claim}.\n`;
  const yaml = header + [configMap, shards, merge].map((d) => YAML.stringify(d, { lineWidth: 0 })).join('---\n');
  return { configMap, shards, merge, yaml };
}
