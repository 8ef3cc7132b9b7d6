// Kubernetes' metav1.Time: RFC 3339 in UTC at whole seconds (2026-11-29T10:00:00Z).

/** A time as Kubernetes marshals it; the milliseconds are dropped, not rounded, as Go truncates. */
export function isoSeconds(ms: number): string {
  const s = new Date(ms).toISOString();
  // Years 0-9999 print as YYYY-MM-DDTHH:mm:ss.sssZ: a slice, where a regex cost the agent ~3 ms a
  // start of 100 DaemonSets (docs/benchmarks.md). Other years keep their sign and six digits.
  return s.length === 24 ? `${s.slice(0, 19)}Z` : s.replace(/\.\d{3}Z$/, 'Z');
}
