// The supervisor of `rnn-dynamics run`: plain JavaScript (no tsx), so it starts in a few ms and its
// event loop is always free to take signals, which the computing process's is not (studies
// compute synchronously, so a handler there would run only when the study ends).
//
// The run itself goes to a child process (the same entry point with RNN_DYNAMICS_SUPERVISED set).
// On SIGINT or SIGTERM the supervisor passes the signal on, waits for the child, removes what the
// child left (its temporary report directories and locks, whose paths the child announces over
// IPC), restores the terminal (cursor shown, autowrap on: the progress bar turns both off), prints
// one line and exits 130 or 143. It also watches its own parent: when that is gone (an `npx` or
// `npm run` killed without passing the signal on), it ends the child the same way, so no orphan
// writes a report later. The child in turn stops when the supervisor is gone.
import { spawn } from 'node:child_process';
import { readdirSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Whether this process is the supervised child. */
export function isSupervisedChild() {
  return process.env.RNN_DYNAMICS_SUPERVISED === '1';
}

/** Remove the child's temporary directories and lock files under each report directory it named. */
function cleanAfter(pid, outDirs) {
  const removed = [];
  for (const out of outDirs) {
    let entries;
    try {
      entries = readdirSync(out);
    } catch {
      continue;
    }
    for (const e of entries) {
      const path = join(out, e);
      if (/^\.(tmp|old)-.+-(\d+)-[0-9a-f]{8}$/.test(e) && e.includes(`-${pid}-`)) {
        // an .old- directory is a report the swap set aside: it goes back if the name is free
        rmSync(path, { recursive: true, force: true });
        removed.push(e);
      } else if (e.startsWith('.lock-')) {
        try {
          if (Number.parseInt(readFileSync(path, 'utf8'), 10) === pid) rmSync(path, { force: true });
        } catch {
          /* gone meanwhile */
        }
      }
    }
  }
  return removed;
}

/**
 * Run `args` in a supervised child; resolves to the exit code. `entry` is the script to start
 * (the CLI's entry point), `nodeArgs` the child's Node options.
 */
export function supervise(entry, args, nodeArgs = []) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, entry, ...args], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, RNN_DYNAMICS_SUPERVISED: '1' },
    });
    const outDirs = new Set();
    let running;
    let received;
    child.on('message', (m) => {
      if (m && typeof m.out === 'string') outDirs.add(m.out);
      if (m && 'running' in m) running = m.running;
    });
    const onSignal = (sig) => {
      if (received) return;
      received = sig;
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    };
    for (const sig of Object.keys(SIGNAL_EXIT)) process.on(sig, onSignal);
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid !== parent) onSignal('SIGTERM');
    }, 500);
    watch.unref();
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      for (const sig of Object.keys(SIGNAL_EXIT)) process.off(sig, onSignal);
      const why = received ?? signal;
      if (!why) {
        resolve(code ?? 3);
        return;
      }
      cleanAfter(child.pid, outDirs);
      if (process.stdout.isTTY) process.stdout.write('\x1b[?25h\x1b[?7h\n');
      const what = running ? ` while running ${running}` : '';
      process.stderr.write(
        `rnn-dynamics: ${received ? 'interrupted' : 'the run was killed'} by ${why}${what}; reports already written are kept, the one in progress was not written.\n`,
      );
      resolve(SIGNAL_EXIT[why] ?? 128 + (signalNumber(why) ?? 0));
    });
  });
}

function signalNumber(name) {
  const n = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15, SIGABRT: 6 }[name];
  return n;
}
