// spec.updateStrategy and the spec's counters, as apps validation's ValidateDaemonSetUpdateStrategy
// and ValidateRollingUpdateDaemonSet check them after the API version's defaults are applied.
import { KNOWN } from './known-fields.js';
import { msg, type Field } from './shape.js';

const STRATEGY_TYPES = ['RollingUpdate', 'OnDelete'] as const;
const PERCENT_RE = /^[0-9]+%$/;
const PERCENT_ERR =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** extensions/v1beta1 defaulted the strategy to OnDelete; apps/v1beta2 and apps/v1 to RollingUpdate. */
export function defaultStrategyType(apiVersion: string): 'RollingUpdate' | 'OnDelete' {
  return apiVersion === 'extensions/v1beta1' ? 'OnDelete' : 'RollingUpdate';
}

export function validateSpecCounters(spec: Field): void {
  spec.get('minReadySeconds').nonNegativeInt();
  spec.get('revisionHistoryLimit').nonNegativeInt();
  spec.get('templateGeneration').nonNegativeInt();
}

export function validateUpdateStrategy(strategy: Field): void {
  if (strategy.isSet && !strategy.map()) return;
  strategy.checkKnown(KNOWN.updateStrategy);
  const typeField = strategy.get('type');
  const written = typeField.str();
  const type = written === undefined || written === '' ? defaultStrategyType(strategy.ctx.apiVersion) : written;
  const rolling = strategy.get('rollingUpdate');
  if (type === 'OnDelete') {
    if (rolling.map()) warnIgnoredRollingUpdate(rolling, written === undefined || written === '');
  } else if (type === 'RollingUpdate') {
    validateRollingUpdate(rolling);
  } else {
    typeField.error('unsupported-value', msg.unsupported(type, STRATEGY_TYPES));
  }
}

/** Kubernetes accepts rollingUpdate next to OnDelete and ignores it; say so instead of staying quiet. */
function warnIgnoredRollingUpdate(rolling: Field, defaulted: boolean): void {
  const why = defaulted
    ? 'updateStrategy.type defaults to OnDelete in extensions/v1beta1; set type: RollingUpdate to use it'
    : 'it applies only when type is RollingUpdate';
  rolling.report('ignored-field', `rollingUpdate is ignored: ${why}`, { warn: true, atKey: true });
}

function validateRollingUpdate(rolling: Field): void {
  if (rolling.isSet && !rolling.map()) return;
  rolling.checkKnown(KNOWN.rollingUpdate);
  const unavailableField = rolling.get('maxUnavailable');
  const surgeField = rolling.get('maxSurge');
  const unavailable = readIntOrPercent(unavailableField);
  const surge = readIntOrPercent(surgeField);
  if (unavailable === undefined || surge === undefined) return;
  // The defaults (maxUnavailable 1, maxSurge 0) apply before this check, as in the API server.
  const hasUnavailable = (unavailableField.isSet ? unavailable : 1) !== 0;
  const hasSurge = (surgeField.isSet ? surge : 0) !== 0;
  if (hasUnavailable && hasSurge) {
    const hint = unavailableField.isSet ? '' : ' (maxUnavailable defaults to 1: set maxUnavailable: 0 to surge)';
    surgeField.error('invalid-value', msg.invalid(surgeField.value, `may not be set when maxUnavailable is non-zero${hint}`));
  } else if (!hasUnavailable && !hasSurge) {
    unavailableField.error('invalid-value', msg.invalid(unavailableField.value, 'cannot be 0 when maxSurge is 0'));
  }
}

/**
 * The number an int-or-percent stands for (a percentage counts as its number), 0 when unset, or
 * undefined when invalid (already reported).
 */
function readIntOrPercent(f: Field): number | undefined {
  const v = f.intOrString();
  if (v === undefined) return f.isSet ? undefined : 0;
  if (typeof v === 'number') {
    if (v < 0) {
      f.error('invalid-value', msg.invalid(v, 'must be greater than or equal to 0'));
      return undefined;
    }
    return v;
  }
  if (!PERCENT_RE.test(v)) {
    f.error('invalid-value', msg.invalid(v, PERCENT_ERR));
    return undefined;
  }
  const n = Number(v.slice(0, -1));
  if (n > 100) {
    f.error('invalid-value', msg.invalid(v, 'must not be greater than 100%'));
    return undefined;
  }
  return n;
}
