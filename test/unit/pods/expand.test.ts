// Rows rewritten from k8s third_party/forked/golang/expansion/expand_test.go (doExpansionTest,
// TestMapReference), run against one map and against two maps as MappingFuncFor does.
import { describe, expect, test } from 'vitest';
import { expandVars, lookupIn } from '../../../src/pods/expand.js';

const rows: { name: string; input: string; want: string }[] = [
  { name: 'whole string', input: '$(VAR_A)', want: 'A' },
  { name: 'repeat', input: '$(VAR_A)-$(VAR_A)', want: 'A-A' },
  { name: 'beginning', input: '$(VAR_A)-1', want: 'A-1' },
  { name: 'middle', input: '___$(VAR_B)___', want: '___B___' },
  { name: 'end', input: '___$(VAR_C)', want: '___C' },
  { name: 'compound', input: '$(VAR_A)_$(VAR_B)_$(VAR_C)', want: 'A_B_C' },
  { name: 'escape and expand', input: '$$(VAR_B)_$(VAR_A)', want: '$(VAR_B)_A' },
  { name: 'compound escape', input: '$$(VAR_A)_$$(VAR_B)', want: '$(VAR_A)_$(VAR_B)' },
  { name: 'escape before a bare name', input: 'f000-$$VAR_A', want: 'f000-$VAR_A' },
  { name: 'a backslash does not escape', input: 'foo\\$(VAR_C)bar', want: 'foo\\Cbar' },
  { name: 'two backslashes do not escape', input: 'foo\\\\$(VAR_C)bar', want: 'foo\\\\Cbar' },
  { name: 'many backslashes do not escape', input: 'foo\\\\\\\\$(VAR_A)bar', want: 'foo\\\\\\\\Abar' },
  { name: 'nested reference is one unknown name', input: '$(VAR_A$(VAR_B))', want: '$(VAR_A$(VAR_B))' },
  { name: 'nested reference, second form', input: '$(VAR_A$(VAR_B)', want: '$(VAR_A$(VAR_B)' },
  { name: 'a value that is a reference is not expanded again', input: '$(VAR_REF)', want: '$(VAR_A)' },
  { name: 'reference values twice', input: '%%$(VAR_REF)--$(VAR_REF)%%', want: '%%$(VAR_A)--$(VAR_A)%%' },
  { name: 'empty value', input: 'foo$(VAR_EMPTY)bar', want: 'foobar' },
  { name: 'unterminated reference is kept', input: 'foo$(VAR_Awhoops!', want: 'foo$(VAR_Awhoops!' },
  { name: 'parentheses without operator', input: 'f00__(VAR_A)__', want: 'f00__(VAR_A)__' },
  { name: 'shell special variables pass through', input: '$?_boo_$!', want: '$?_boo_$!' },
  { name: 'bare $NAME is not a reference', input: '$VAR_A', want: '$VAR_A' },
  { name: 'undefined variable is kept', input: '$(VAR_DNE)', want: '$(VAR_DNE)' },
  { name: 'six operators, undefined', input: '$$$$$$(BIG_MONEY)', want: '$$$(BIG_MONEY)' },
  { name: 'six operators, defined', input: '$$$$$$(VAR_A)', want: '$$$(VAR_A)' },
  { name: 'seven operators, undefined', input: '$$$$$$$(GOOD_ODDS)', want: '$$$$(GOOD_ODDS)' },
  { name: 'seven operators, defined', input: '$$$$$$$(VAR_A)', want: '$$$A' },
  { name: 'missing opener', input: '$VAR_A)', want: '$VAR_A)' },
  { name: 'shell braces are not syntax', input: '${VAR_A}', want: '${VAR_A}' },
  { name: 'trailing incomplete reference', input: '$(VAR_B)_______$(A', want: 'B_______$(A' },
  { name: 'trailing empty incomplete reference', input: '$(VAR_C)_______$(', want: 'C_______$(' },
  { name: 'lone operator at the end', input: '$(VAR_A)foobarzab$', want: 'Afoobarzab$' },
  { name: 'backslash before incomplete reference', input: 'foo-\\$(VAR_A', want: 'foo-\\$(VAR_A' },
  { name: 'many $( in the middle', input: '--$($($($($--', want: '--$($($($($--' },
  { name: 'many $( at the start', input: '$($($($($--foo$(', want: '$($($($($--foo$(' },
  { name: 'many $( at the end', input: 'foo0--$($($($(', want: 'foo0--$($($($(' },
  { name: 'escaped operators inside a name stay', input: '$(foo$$var)', want: '$(foo$$var)' },
  { name: 'newline', input: '\n', want: '\n' },
  { name: 'lone operator', input: '$', want: '$' },
  { name: 'empty input', input: '', want: '' },
  { name: 'empty name is looked up as ""', input: '$()', want: '$()' },
];

describe('expandVars with one map', () => {
  const lookup = lookupIn({ VAR_A: 'A', VAR_B: 'B', VAR_C: 'C', VAR_REF: '$(VAR_A)', VAR_EMPTY: '' });
  test.each(rows)('$name', ({ input, want }) => {
    expect(expandVars(input, lookup)).toBe(want);
  });
});

describe('expandVars with two maps (MappingFuncFor(a, b))', () => {
  const lookup = lookupIn({ VAR_A: 'A', VAR_EMPTY: '' }, { VAR_B: 'B', VAR_C: 'C', VAR_REF: '$(VAR_A)' });
  test.each(rows)('$name', ({ input, want }) => {
    expect(expandVars(input, lookup)).toBe(want);
  });
});

describe('lookupIn', () => {
  test.each([
    { name: 'the first map wins', maps: [{ X: '1' }, { X: '2' }], key: 'X', want: '1' },
    { name: 'falls through to the next map', maps: [{}, { X: '2' }], key: 'X', want: '2' },
    { name: 'inherited properties are not variables', maps: [{}], key: 'toString', want: undefined },
  ])('$name', ({ maps, key, want }) => {
    expect(lookupIn(...maps)(key)).toBe(want);
  });

  test('references see earlier entries only (TestMapReference)', () => {
    const declared: Record<string, string> = {};
    for (const [name, value] of [['FOO', 'bar'], ['ZOO', '$(FOO)-1'], ['BLU', '$(ZOO)-2']] as const) {
      declared[name] = expandVars(value, lookupIn(declared));
    }
    expect(declared).toEqual({ FOO: 'bar', ZOO: 'bar-1', BLU: 'bar-1-2' });
  });
});
