/**
 * Progress on a terminal only: a bar per running scenario when stdout is a TTY and CI is not set;
 * nothing at all otherwise (piped output and CI logs stay clean).
 */
import cliProgress from 'cli-progress';
import type { ProgressSink } from '../scenario/run.ts';

export interface Progress {
  sink: ProgressSink;
  /** Print a line without tearing the bar. */
  log(line: string): void;
  stop(): void;
}

export function interactive(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.CI;
}

export function createProgress(enabled = interactive()): Progress {
  if (!enabled) {
    return { sink: () => {}, log: (line) => process.stdout.write(line + '\n'), stop: () => {} };
  }
  const multi = new cliProgress.MultiBar(
    {
      format: ' {bar} {percentage}% | {scenario} {label} | {eta_formatted} left',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: true,
      etaBuffer: 20,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    sink: (scenario, done, total, label) => {
      let bar = bars.get(scenario);
      if (!bar) {
        bar = multi.create(total, 0, { scenario, label: label ?? '' });
        bars.set(scenario, bar);
      }
      bar.setTotal(total);
      bar.update(done, { scenario, label: label ?? '' });
    },
    log: (line) => multi.log(line + '\n'),
    stop: () => multi.stop(),
  };
}
