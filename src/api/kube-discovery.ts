// Discovery (/version, /api, /apis, resource lists) and the pieces of a list request every
// resource shares: label and field selectors, and the server-side Table kubectl prints from.
// Legacy discovery only: kubectl asks for aggregated discovery (apidiscovery.k8s.io/v2) first and
// falls back when the answer is plain application/json.
import { hostdsVersion } from '../version.js';
import { matchesAll, parseSelector } from '../schedule/label-selector.js';
import { RESOURCES, type Item, type Json, type ResourceDef } from './kube-objects.js';

export function versionInfo(): Json {
  const [major = '0', minor = '0'] = hostdsVersion().split('.');
  return {
    major, minor, gitVersion: `v${hostdsVersion()}-hostds`, gitCommit: '', gitTreeState: 'clean', buildDate: '',
    goVersion: `node${process.versions.node}`, compiler: 'hostds', platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

/** The discovery document for `parts` (the path split on `/`), or undefined when it is not one. */
export function discovery(parts: readonly string[]): Json | undefined {
  const path = parts.join('/');
  if (path === 'api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] };
  if (path === 'apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: [appsGroup()] };
  if (path === 'apis/apps') return { kind: 'APIGroup', apiVersion: 'v1', ...appsGroup() };
  if (path === 'api/v1') return resourceList('v1', '');
  for (const v of APPS_VERSIONS) if (path === `apis/apps/${v}`) return resourceList(`apps/${v}`, 'apps');
  if (path === 'openapi/v3') return { paths: Object.fromEntries(openApiGroups().map((gv) => [gv.path, { serverRelativeURL: `/openapi/v3/${gv.path}` }])) };
  const gv = openApiGroups().find((g) => path === `openapi/v3/${g.path}`);
  return gv ? openApiDocument(gv) : undefined;
}

/** apps/v1beta2 too: the article's manifests use it, and hostds reads it as apps/v1. */
export const APPS_VERSIONS = ['v1', 'v1beta2'] as const;

function appsGroup(): Json {
  const versions = APPS_VERSIONS.map((v) => ({ groupVersion: `apps/${v}`, version: v }));
  return { name: 'apps', versions, preferredVersion: versions[0] };
}

function resourceList(groupVersion: string, group: string): Json {
  const resources: Json[] = [];
  for (const r of RESOURCES.filter((x) => x.group === group)) {
    resources.push({ name: r.name, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}) });
    if (r.name === 'pods') resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

interface GroupVersion {
  path: string;
  group: string;
  version: string;
}

function openApiGroups(): GroupVersion[] {
  return [{ path: 'api/v1', group: '', version: 'v1' }, ...APPS_VERSIONS.map((v) => ({ path: `apis/apps/${v}`, group: 'apps', version: v }))];
}

/**
 * Just enough OpenAPI v3 for kubectl to see that writes take `fieldValidation`: it then lets the
 * server validate (hostds's own manifest validation) instead of downloading schemas to do it itself.
 */
function openApiDocument(gv: GroupVersion): Json {
  const paths: Json = {};
  const param = [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }];
  for (const r of RESOURCES.filter((x) => x.group === gv.group && x.verbs.includes('patch'))) {
    const gvk = { group: gv.group, version: gv.version, kind: r.kind };
    const base = `/${gv.path}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.name}`;
    const op = { 'x-kubernetes-group-version-kind': gvk, parameters: param, responses: { '200': { description: 'OK' } } };
    paths[`${base}/{name}`] = { patch: op, put: op };
    if (r.verbs.includes('create')) paths[base] = { post: op };
  }
  return { openapi: '3.0.0', info: { title: 'hostds', version: hostdsVersion() }, paths, components: { schemas: {} } };
}

export class BadRequestError extends Error {}

/** `labelSelector` and `fieldSelector` of a list or watch, as one predicate on objects. */
export function selectorFilter(params: URLSearchParams): (o: Json) => boolean {
  let labels: ReturnType<typeof parseSelector> = [];
  try {
    labels = parseSelector(params.get('labelSelector') ?? '');
  } catch (err) {
    throw new BadRequestError(`unable to parse requirement: ${(err as Error).message}`);
  }
  const fields = parseFieldSelector(params.get('fieldSelector') ?? '');
  return (o) => {
    const meta = (o['metadata'] ?? {}) as Json;
    if (!matchesAll(labels, (meta['labels'] ?? {}) as Record<string, string>)) return false;
    return fields.every((f) => (fieldValue(o, f.path) === f.value) === (f.op === '='));
  };
}

interface FieldRequirement {
  path: string;
  op: '=' | '!=';
  value: string;
}

/** fields.ParseSelector: `a=b`, `a==b`, `a!=b`, joined by commas. */
export function parseFieldSelector(text: string): FieldRequirement[] {
  if (text.trim() === '') return [];
  return text.split(',').map((term) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw new BadRequestError(`invalid field selector: "${term}"`);
    return { path: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]! };
  });
}

function fieldValue(o: Json, path: string): string {
  let v: unknown = o;
  for (const key of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Json)[key] : undefined;
  return v === undefined || v === null ? '' : String(v);
}

/** Does the Accept header ask for a meta.k8s.io Table (what `kubectl get` prints from)? */
export function wantsTable(accept: string | undefined): boolean {
  return /as=Table/.test(accept ?? '') && /g=meta\.k8s\.io/.test(accept ?? '');
}

/** A meta.k8s.io/v1 Table: the columns of `hostds get`, wide ones at priority 1, rows with their object. */
export function buildTable(def: ResourceDef, items: readonly Item[], includeObject: string | null, resourceVersion: string): Json {
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion },
    columnDefinitions: def.columns.map((c, i) => ({
      name: c.name, type: 'string', format: i === 0 && c.name === 'NAME' ? 'name' : '', description: '', priority: c.wide ? 1 : 0,
    })),
    rows: items.map((it) => ({ cells: it.cells, ...rowObject(it.object, includeObject) })),
  };
}

function rowObject(o: Json, include: string | null): Json {
  if (include === 'None') return {};
  if (include === 'Object') return { object: o };
  return { object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o['metadata'] } };
}
