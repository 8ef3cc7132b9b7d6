// Which spawners the runner tests run under. The helper variant is skipped only where it cannot
// exist (no C compiler, not CI): wherever it should have been built, a missing binary fails the
// tests (createSpawnRunner({ spawner: 'helper' }) throws) instead of silently testing node twice.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DEFAULT_HELPER_PATH } from '../../src/supervise/runner-spawn.js';

const isCI = process.env.CI === 'true' || process.env.CI === '1';
const hasCompiler = ['cc', 'gcc'].some((cc) => spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0);

export const HELPER_PATH = DEFAULT_HELPER_PATH;
/** True where the helper must be tested: built, or buildable here, or on CI. */
export const HELPER_EXPECTED = isCI || hasCompiler || existsSync(DEFAULT_HELPER_PATH);
export const SPAWNERS: ('node' | 'helper')[] = HELPER_EXPECTED ? ['node', 'helper'] : ['node'];
if (!HELPER_EXPECTED) {
  console.warn('hostds-spawn tests skipped: no C compiler here and not CI, so the agent uses child_process.spawn (docs/spawner.md)');
}
