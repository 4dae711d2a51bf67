/**
 * Progress on a terminal only: a bar for the running scenario when stdout is a TTY and CI is not
 * set; nothing at all otherwise (piped output and CI logs stay clean).
 *
 * Studies compute synchronously, so the bar cannot rely on a timer: cli-progress' synchronous
 * update redraws from inside `update()` when the last redraw is older than two frames.
 */
import cliProgress from 'cli-progress';
import type { ProgressSink } from '../scenario/run.ts';

export interface Progress {
  sink: ProgressSink;
  /** Print a line (ends the current bar first, so the line is not overdrawn). */
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
  let bar: cliProgress.SingleBar | undefined;
  let current: string | undefined;
  const end = (): void => {
    bar?.stop();
    bar = undefined;
    current = undefined;
  };
  return {
    sink: (scenario, done, total, label) => {
      const payload = { scenario, label: label ?? '' };
      if (!bar || current !== scenario) {
        end();
        bar = new cliProgress.SingleBar(
          {
            format: ' {bar} {percentage}% | {scenario} {label} | {eta_formatted} left',
            hideCursor: true,
            clearOnComplete: true,
            synchronousUpdate: true,
            etaBuffer: 20,
            fps: 10,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, payload);
        current = scenario;
      }
      bar.setTotal(total);
      bar.update(done, payload);
    },
    log: (line) => {
      end();
      process.stdout.write(line + '\n');
    },
    stop: end,
  };
}
