// Two hot paths build paths by concatenation instead of path.join (a pass over 500 DaemonSets
// called join ~1000 times): they must give exactly what join gives, for every form of directory.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listManifestFiles } from '../../../src/manifest/load.js';
import { containerLogPath } from '../../../src/observe/log-files.js';

describe('paths built without join', () => {
  let dir: string;
  const names = ['b.yaml', 'a.yml', 'c.yaml', '..dots.yaml', 'z.json'];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostds-list-'));
    for (const n of [...names, 'notes.txt', '.hidden.yaml']) await writeFile(join(dir, n), 'x');
  });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  test('listManifestFiles gives join(dir, name) for absolute, relative and slash-ended directories', async () => {
    const rel = relative(process.cwd(), dir);
    const forms = [dir, `${dir}/`, `${dir}//`, `${dir}/.`, rel, `./${rel}`, `${rel}/`];
    const expected = await listManifestFiles(dir);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    for (const form of forms) {
      const got = await listManifestFiles(form);
      expect(got, form).toEqual(got.map((p) => join(form, p.slice(p.lastIndexOf('/') + 1))));
      expect(got.map((p) => p.slice(p.lastIndexOf('/') + 1)), form).toEqual(expected.map((p) => p.slice(p.lastIndexOf('/') + 1)));
    }
  });

  test.each(['/var/log/hostds', '/var/log/hostds/', 'rel/log', './rel//log/', '/'])('containerLogPath under %s is join\'s path', (logDir) => {
    for (const [pod, c] of [['web-abc12', 'main'], ['x', 'y.z'], ['..a', 'b..']] as const) {
      expect(containerLogPath(logDir, pod, c)).toBe(join(logDir, 'pods', pod, `${c}.log`));
    }
    expect(() => containerLogPath(logDir, '..', 'c')).toThrow(/single path segment/);
  });
});
