/**
 * Progress of long runs. On a terminal (stdout a TTY, CI not set): a bar for the running scenario.
 * Piped or under CI: a plain line on stderr now and then (at most every 10 s, after the first 10 s:
 * percent, item, elapsed time and ETA), so a log shows the run is alive without filling up; stdout
 * keeps only the one line per report (or the --json lines).
 *
 * Studies compute synchronously, so neither can rely on a timer: cli-progress' synchronous update
 * redraws from inside `update()` when the last redraw is older than two frames, and the plain line
 * is written from inside the sink when its interval has passed.
 */
import cliProgress from 'cli-progress';
import type { ProgressSink } from '../scenario/run.ts';

export interface Progress {
  sink: ProgressSink;
  /** Print a line on stdout (ends the current bar first, so the line is not overdrawn). */
  log(line: string): void;
  /** Print a line on another stream (stderr), the same way. */
  logTo(stream: NodeJS.WritableStream, line: string): void;
  /** Write raw text on stdout (--json lines). */
  write(text: string): void;
  stop(): void;
}

export function interactive(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.CI;
}

/** Seconds between plain progress lines (RNN_DYNAMICS_PROGRESS_SECONDS overrides the 10 s, for tests). */
function plainInterval(): number {
  const v = Number(process.env['RNN_DYNAMICS_PROGRESS_SECONDS']);
  return Number.isFinite(v) && v >= 0 ? v : 10;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const r = Math.round(s);
  return r >= 3600 ? `${Math.floor(r / 3600)}h${String(Math.floor((r % 3600) / 60)).padStart(2, '0')}m` : r >= 60 ? `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s` : `${r}s`;
}

/** The plain progress line: `rnn-dynamics: adding-problem-sweep 45% (lstm1997 T = 50 #3) 1m20s elapsed, ETA 1m38s`. */
export function plainLine(scenario: string, done: number, total: number, label: string | undefined, elapsedSeconds: number): string {
  const frac = total > 0 ? done / total : 0;
  const eta = frac > 0 ? (elapsedSeconds * (1 - frac)) / frac : NaN;
  return `rnn-dynamics: ${scenario} ${Math.floor(frac * 100)}%${label ? ` (${label})` : ''} ${duration(elapsedSeconds)} elapsed, ETA ${duration(eta)}`;
}

/** `enabled`: true a bar, false nothing; default: a bar on a terminal, plain lines otherwise. */
export function createProgress(enabled?: boolean): Progress {
  const plainText = {
    log: (line: string) => void process.stdout.write(line + '\n'),
    logTo: (stream: NodeJS.WritableStream, line: string) => void stream.write(line + '\n'),
    write: (text: string) => void process.stdout.write(text),
    stop: () => {},
  };
  if (enabled === false) return { sink: () => {}, ...plainText };
  if (enabled === undefined && !interactive()) {
    const interval = plainInterval() * 1000;
    let current: string | undefined;
    let start = 0;
    let last = 0;
    return {
      sink: (scenario, done, total, label) => {
        const now = performance.now();
        if (current !== scenario) {
          current = scenario;
          start = now;
          last = now;
        }
        if (now - last >= interval && done < total) {
          last = now;
          process.stderr.write(plainLine(scenario, done, total, label, (now - start) / 1000) + '\n');
        }
      },
      ...plainText,
    };
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
    logTo: (stream, line) => {
      end();
      stream.write(line + '\n');
    },
    write: (text) => {
      end();
      process.stdout.write(text);
    },
    stop: end,
  };
}
