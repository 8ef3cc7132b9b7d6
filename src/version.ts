// The version comes from package.json (one source of truth for npm, the .deb and `hostds version`).
import { readFileSync } from 'node:fs';

// Set by the bundler (rolldown.config.mjs); unset when the modules run unbundled (tests, dist/ tree).
declare const __HOSTDS_VERSION__: string | undefined;

let cached: string | undefined = typeof __HOSTDS_VERSION__ === 'string' ? __HOSTDS_VERSION__ : undefined;

export function hostdsVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
      cached = pkg.version ?? '0.0.0';
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}

/** What the VERSION column of `get nodes` shows, in the place of the kubelet's version. */
export function kubeletVersion(): string {
  return `v${hostdsVersion()}-hostds`;
}
