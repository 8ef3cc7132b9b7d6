// The `yaml` library, evaluated on first use. An ESM `import ... from 'yaml'` makes the bundle
// evaluate the library (~200 kB of CommonJS) when the importing chunk loads, which cost the agent
// and every command ~20 ms of their start whether a file needed it or not; a `require` inside a
// function is bundled as a call made only when the function runs. Plain manifests and configs
// are read by manifest/fast-yaml.ts and never get here. Types: yaml-lib.d.cts.
'use strict';
let lib;
module.exports = function yaml() {
  if (lib === undefined) lib = require('yaml');
  return lib;
};
