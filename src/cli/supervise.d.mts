// Types of supervise.mjs (plain JavaScript, so that the supervisor starts without a compiler).
/** Whether this process is the supervised child. */
export function isSupervisedChild(): boolean;
/** Run `args` in a supervised child; resolves to the exit code. */
export function supervise(entry: string, args: readonly string[], nodeArgs?: readonly string[]): Promise<number>;
