// Every config test runs both ways: config.ts's parseConfig (the fast YAML path when it can) must
// give exactly what the yaml library's parseConfigText gives, issues and positions included.
import { expect } from 'vitest';
import { parseConfig, type ConfigResult } from '../../../src/config/config.js';
import { parseConfigText } from '../../../src/config/config-yaml.js';

export async function parseBoth(text: string, file: string): Promise<ConfigResult> {
  const library = parseConfigText(text, file);
  const result = await parseConfig(text, file);
  expect(result).toEqual(library);
  return result;
}
