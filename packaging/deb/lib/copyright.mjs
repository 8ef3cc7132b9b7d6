// debian/copyright (DEP-5) for the .deb: hostds itself (Apache-2.0) plus exactly the npm packages
// that rolldown put into dist/bundle/, found from the bundle's source maps (so a dependency that is
// installed but never bundled, e.g. systeminformation today, is not listed, and a new one cannot
// be forgotten). Each package's license must be one we hold a standard text for; anything else
// stops the build so that a person looks at it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const FORMAT = 'https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/';

/** SPDX id (package.json) → DEP-5 short name, and phrases the package's own license file must contain. */
const KNOWN_LICENSES = {
  MIT: { dep5: 'Expat', phrases: ['permission is hereby granted free of charge to any person obtaining a copy', 'the above copyright notice and this permission notice shall be included'] },
  ISC: { dep5: 'ISC', phrases: ['permission to use copy modify and or distribute this software for any purpose'] },
  'BSD-3-Clause': { dep5: 'BSD-3-clause', phrases: ['redistribution and use in source and binary forms with or without modification are permitted', 'neither the name of'] },
  // Its text is Debian's own /usr/share/common-licenses/Apache-2.0 (APACHE_PARAGRAPH), as for hostds.
  'Apache-2.0': { dep5: 'Apache-2.0', phrases: ['apache license version 2 0', 'terms and conditions for use reproduction and distribution'] },
};

const APACHE_PARAGRAPH = `License: Apache-2.0
 Licensed under the Apache License, Version 2.0 (the "License"); you may not
 use this file except in compliance with the License. You may obtain a copy of
 the License at http://www.apache.org/licenses/LICENSE-2.0
 .
 Unless required by applicable law or agreed to in writing, software
 distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
 WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
 License for the specific language governing permissions and limitations under
 the License.
 .
 On Debian systems, the complete text of the Apache License, Version 2.0 can be
 found in "/usr/share/common-licenses/Apache-2.0".`;

/**
 * "../../work/main/node_modules/a/node_modules/@s/b/lib/x.js" → "node_modules/a/node_modules/@s/b":
 * from the checkout's node_modules to the innermost package.
 */
export function packageDirOf(source) {
  const first = source.indexOf('node_modules/');
  if (first < 0) return undefined;
  const last = source.lastIndexOf('node_modules/') + 'node_modules/'.length;
  const [scope = '', name = ''] = source.slice(last).split('/');
  return source.slice(first, last) + (scope.startsWith('@') ? `${scope}/${name}` : scope);
}

/** The package directories (relative to the checkout) that have files in the bundle's source maps. */
export function listBundledPackageDirs(bundleDir) {
  const dirs = new Set();
  for (const file of readdirSync(bundleDir).filter((f) => f.endsWith('.cjs.map'))) {
    const map = JSON.parse(readFileSync(join(bundleDir, file), 'utf8'));
    for (const source of map.sources ?? []) {
      const dir = packageDirOf(String(source).replaceAll('\\', '/'));
      if (dir !== undefined) dirs.add(dir);
    }
  }
  return [...dirs].sort();
}

const normalize = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

function findLicenseFile(dir) {
  const name = readdirSync(dir).find((f) => /^(licen[sc]e|copying)(\.(md|txt))?$/i.test(f));
  return name === undefined ? undefined : join(dir, name);
}

/** Copyright lines of a license file ("Copyright (c) 2016 A" → "2016 A"), else the package.json author. */
function copyrightHolders(licenseText, pkg) {
  const lines = licenseText.split('\n').map((l) => l.trim())
    // The Apache license's appendix is a template: "Copyright [yyyy] [name of copyright owner]".
    .filter((l) => /^copyright\b/i.test(l) && !/copyright (notice|holder|owner|license)/i.test(l) && !l.includes('[yyyy]'))
    .map((l) => l.replace(/^copyright\s*(\(c\)|©)?\s*/i, '').trim())
    .filter((l) => l !== '');
  if (lines.length > 0) return [...new Set(lines)];
  const author = typeof pkg.author === 'string' ? pkg.author : pkg.author?.name;
  if (!author) throw new Error(`${pkg.name}: no copyright line in its license file and no author in package.json`);
  return [`${author} and the ${pkg.name} contributors`];
}

/** Everything the copyright file says about one bundled package; throws for licenses we cannot vouch for. */
export function describePackage(repo, relDir) {
  const dir = join(repo, relDir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const known = KNOWN_LICENSES[pkg.license];
  if (known === undefined) {
    throw new Error(`${pkg.name}@${pkg.version}: license ${JSON.stringify(pkg.license)} has no text in packaging/deb/licenses/: add it and its mapping in packaging/deb/lib/copyright.mjs`);
  }
  const licenseFile = findLicenseFile(dir);
  if (licenseFile === undefined) throw new Error(`${pkg.name}@${pkg.version}: no LICENSE file in ${relDir}`);
  const text = readFileSync(licenseFile, 'utf8');
  const words = normalize(text);
  const missing = known.phrases.filter((p) => !words.includes(p));
  if (missing.length > 0) throw new Error(`${pkg.name}@${pkg.version}: ${licenseFile} does not read like ${pkg.license} (missing "${missing[0]}")`);
  return { name: pkg.name, version: pkg.version, dir: relDir, license: known.dep5, holders: copyrightHolders(text, pkg) };
}

/** A DEP-5 multi-line value: continuation lines start with a space, empty lines become " .". */
function field(name, lines) {
  return `${name}: ${lines[0]}${lines.slice(1).map((l) => `\n ${l === '' ? '.' : l}`).join('')}`;
}

function licenseParagraph(shortName, licensesDir) {
  const text = readFileSync(join(licensesDir, shortName), 'utf8').trimEnd().split('\n');
  return `License: ${shortName}${text.map((l) => `\n ${l.trim() === '' ? '.' : l}`).join('')}`;
}

/** The whole copyright file. `packages` come from describePackage. */
export function renderCopyright({ packages, licensesDir, bundleDir }) {
  const paragraphs = [
    [`Format: ${FORMAT}`, 'Upstream-Name: hostds',
      field('Comment', ['hostds runs from one JavaScript bundle made by rolldown from its own sources and',
        `the npm packages listed below; they are installed in ${bundleDir}.`])].join('\n'),
    ['Files: *', 'Copyright: the hostds authors', 'License: Apache-2.0'].join('\n'),
    ...packages.map((p) => [`Files: ${p.dir}/*`, field('Copyright', p.holders), `License: ${p.license}`,
      `Comment: ${p.name} ${p.version}, bundled into ${bundleDir}`].join('\n')),
    APACHE_PARAGRAPH,
    ...[...new Set(packages.map((p) => p.license))].filter((l) => l !== 'Apache-2.0').sort().map((l) => licenseParagraph(l, licensesDir)),
  ];
  return `${paragraphs.join('\n\n')}\n`;
}
