// The shape every metrics collector returns: families of samples, as plain data. Collectors are
// pure functions of the agent's state; only the metrics endpoint turns families into prom-client
// metrics, so the tables in the tests check exactly what a scrape shows.

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: Sample[];
}

export function family(name: string, type: MetricFamily['type'], samples: Sample[], help = `hostds: ${name.replace(/_/g, ' ')}`): MetricFamily {
  return { name, type, help, samples };
}

/** RFC 3339 → unix seconds; undefined when absent or unreadable. */
export function unixSeconds(iso: string | undefined): number | undefined {
  const ms = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

const INVALID_LABEL_CHAR = /[^a-zA-Z0-9_]/g;

/**
 * Kubernetes labels as Prometheus labels the way kube-state-metrics names them: `label_` plus the
 * key with invalid characters as `_`, snake_cased. Keys that collide after that (`a.b` and `a_b`)
 * all get `_conflictN` suffixes in key order, so no value is lost and no name repeats.
 */
export function prometheusLabels(prefix: string, labels: Record<string, string>): Record<string, string> {
  const keys = Object.keys(labels).sort();
  const names = keys.map((k) => `${prefix}_${k.replace(INVALID_LABEL_CHAR, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}`);
  const count = new Map<string, number>();
  for (const n of names) count.set(n, (count.get(n) ?? 0) + 1);
  const seen = new Map<string, number>();
  const out: Record<string, string> = {};
  keys.forEach((k, i) => {
    const n = names[i]!;
    if (count.get(n) === 1) { out[n] = labels[k]!; return; }
    const nth = (seen.get(n) ?? 0) + 1;
    seen.set(n, nth);
    out[`${n}_conflict${nth}`] = labels[k]!;
  });
  return out;
}
