// The CLI and agent run from one bundle (dist/bundle/): with ~80 modules and their dependencies
// as separate files, resolving and loading them cost the agent ~200 ms of its start and every
// `hostds get` ~80 ms (docs/benchmarks.md). Lazy imports stay separate chunks, loaded on use.
import { readFileSync, rmSync } from 'node:fs';
import { defineConfig } from 'rolldown';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const outDir = new URL('./dist/bundle/', import.meta.url);
rmSync(outDir, { recursive: true, force: true }); // no stale chunks from an earlier build

export default defineConfig({
  // agent-get: what the launcher loads first, so that it must stay small (src/cli/agent-get.ts).
  input: { hostds: 'src/main.ts', 'agent-get': 'src/cli/agent-get.ts' },
  platform: 'node',
  external: [/^node:/],
  transform: { define: { __HOSTDS_VERSION__: JSON.stringify(pkg.version) } },
  output: {
    dir: 'dist/bundle',
    // CommonJS, so that bin/hostds can hand V8 the chunks' code cache (vm.Script; node 20 has no
    // code cache for ES modules): docs/code-cache.md.
    format: 'cjs',
    // The sources are ES modules, strict by definition, and so was the ES-module bundle.
    strict: true,
    entryFileNames: '[name].cjs',
    chunkFileNames: '[name]-[hash].cjs',
    sourcemap: true,
  },
});
