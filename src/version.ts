import { readFileSync } from 'node:fs';

/** The package's name and version, from package.json (echoed into every summary.json). */
export const PACKAGE: { name: string; version: string } = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
})();
