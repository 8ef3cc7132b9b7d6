// Label selectors: kubectl's -l syntax (ports rows of apimachinery labels/selector_test.go
// TestSelectorParse / TestSelectorMatches) and the SELECTOR / NODE SELECTOR column formats.
import { describe, expect, test } from 'vitest';
import { formatLabelSelector, formatSet, matchesAll, matchesLabelSelector, parseSelector, SelectorParseError } from '../../../src/schedule/label-selector.js';

describe('parseSelector matches like labels.Parse', () => {
  test.each([
    { sel: '', labels: { x: 'y' }, match: true },
    { sel: 'x=y', labels: { x: 'y' }, match: true },
    { sel: 'x==y', labels: { x: 'y' }, match: true },
    { sel: 'x=z', labels: { x: 'y' }, match: false },
    { sel: 'x!=y', labels: { x: 'y' }, match: false },
    { sel: 'x!=z', labels: {}, match: true },
    { sel: 'x=y,z=w', labels: { x: 'y', z: 'w' }, match: true },
    { sel: 'x=y, z=w', labels: { x: 'y' }, match: false },
    { sel: 'x in (y,z)', labels: { x: 'z' }, match: true },
    { sel: 'x in (y, z)', labels: { x: 'q' }, match: false },
    { sel: 'x notin (y)', labels: {}, match: true },
    { sel: 'x notin (y)', labels: { x: 'y' }, match: false },
    { sel: 'x', labels: { x: '' }, match: true },
    { sel: '!x', labels: { x: '' }, match: false },
    { sel: '!x', labels: { y: '1' }, match: true },
    { sel: 'x>1', labels: { x: '2' }, match: true },
    { sel: 'x<1', labels: { x: '2' }, match: false },
    { sel: 'x>1', labels: { x: 'a' }, match: false },
    { sel: 'x in (,a)', labels: { x: '' }, match: true },
    { sel: 'k8s.51reboot.com/disk=ssd', labels: { 'k8s.51reboot.com/disk': 'ssd' }, match: true },
  ])('"$sel" on $labels → $match', ({ sel, labels, match }) => {
    expect(matchesAll(parseSelector(sel), labels)).toBe(match);
  });

  test.each([
    { sel: 'x=y=z' },
    { sel: 'x in y' },
    { sel: 'x in (y' },
    { sel: 'x>a' },
    { sel: '=y' },
    { sel: 'a b' },
    { sel: 'x=a b' },
    { sel: 'x=-bad' },
    { sel: 'bad key=1' },
  ])('"$sel" is rejected', ({ sel }) => {
    expect(() => parseSelector(sel)).toThrow(SelectorParseError);
  });
});

describe('structured LabelSelector', () => {
  test.each([
    { name: 'matchLabels all present', sel: { matchLabels: { a: '1', b: '2' } }, labels: { a: '1', b: '2', c: '3' }, match: true },
    { name: 'matchLabels one differs', sel: { matchLabels: { a: '1' } }, labels: { a: '2' }, match: false },
    { name: 'In', sel: { matchExpressions: [{ key: 'a', operator: 'In' as const, values: ['1', '2'] }] }, labels: { a: '2' }, match: true },
    { name: 'NotIn absent', sel: { matchExpressions: [{ key: 'a', operator: 'NotIn' as const, values: ['1'] }] }, labels: {}, match: true },
    { name: 'Exists', sel: { matchExpressions: [{ key: 'a', operator: 'Exists' as const }] }, labels: { a: '' }, match: true },
    { name: 'DoesNotExist', sel: { matchExpressions: [{ key: 'a', operator: 'DoesNotExist' as const }] }, labels: { a: '' }, match: false },
  ])('$name', ({ sel, labels, match }) => {
    expect(matchesLabelSelector(sel, labels)).toBe(match);
  });
});

describe('column formats (metav1.FormatLabelSelector, labels.SelectorFromSet)', () => {
  test.each([
    { name: 'nil selector', sel: undefined, text: '<none>' },
    { name: 'empty selector', sel: {}, text: '<none>' },
    { name: 'matchLabels sorted by key', sel: { matchLabels: { b: '2', a: '1' } }, text: 'a=1,b=2' },
    { name: 'expressions', sel: { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['web', 'api'] }, { key: 'beta', operator: 'DoesNotExist' as const }] }, text: 'app=x,!beta,tier in (api,web)' },
    { name: 'notin and exists', sel: { matchExpressions: [{ key: 'z', operator: 'NotIn' as const, values: ['1'] }, { key: 'k', operator: 'Exists' as const }] }, text: 'k,z notin (1)' },
  ])('$name → $text', ({ sel, text }) => {
    expect(formatLabelSelector(sel)).toBe(text);
  });

  test('node selector map', () => {
    expect(formatSet({ 'k8s.51reboot.com/disk': 'ssd', a: 'b' })).toBe('a=b,k8s.51reboot.com/disk=ssd');
    expect(formatSet({})).toBe('<none>');
    expect(formatSet(undefined)).toBe('<none>');
  });
});
