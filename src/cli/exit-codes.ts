/**
 * Exit codes of the command line: 0 success; 1 a declared check failed (or, with --strict, a
 * warning); 2 bad input (malformed scenario, unknown kind, bad option: nothing run or written);
 * 3 a study failed while running (a bug or a numerical breakdown: please report it).
 */
export const EXIT = { ok: 0, checkFailed: 1, badInput: 2, studyFailed: 3 } as const;
