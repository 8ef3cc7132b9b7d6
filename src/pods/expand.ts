// $(VAR) references in env values, command and args, exactly as Kubernetes expands them
// (third_party/forked/golang/expansion/expand.go), so a manifest means the same on a host.

const OPERATOR = '$';
const OPENER = '(';
const CLOSER = ')';

/** What follows a `$`: the text to emit or the name to look up, and how many chars it used. */
interface ReadResult {
  text: string;
  isVar: boolean;
  advance: number;
}

/** tryReadVariableName: `input` starts just after a `$` and is not empty. */
function readVariableName(input: string): ReadResult {
  const first = input[0] ?? '';
  if (first === OPERATOR) return { text: OPERATOR, isVar: false, advance: 1 }; // `$$` escapes
  if (first === OPENER) {
    const close = input.indexOf(CLOSER, 1);
    if (close !== -1) return { text: input.slice(1, close), isVar: true, advance: close + 1 };
    // An unterminated `$(` is kept, and scanning resumes right after the `(`.
    return { text: OPERATOR + OPENER, isVar: false, advance: 1 };
  }
  // `$` followed by anything else is kept as it is, with that character.
  return { text: OPERATOR + first, isVar: false, advance: 1 };
}

/**
 * Expand: `$(VAR)` becomes lookup(VAR), or stays `$(VAR)` when undefined; `$$` is an escaped `$`
 * (so `$$(VAR)` is the literal `$(VAR)`); an unterminated `$(` and a lone or trailing `$` are kept.
 * Expansion is a single pass: a value that itself contains `$(X)` is not expanded again.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== OPERATOR || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const read = readVariableName(input.slice(cursor + 1));
    out += read.isVar ? (lookup(read.text) ?? OPERATOR + OPENER + read.text + CLOSER) : read.text;
    cursor += read.advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** MappingFuncFor: look a name up in each map in turn (own properties only). */
export function lookupIn(...maps: readonly Readonly<Record<string, string>>[]): (name: string) => string | undefined {
  return (name) => {
    for (const map of maps) if (Object.hasOwn(map, name)) return map[name];
    return undefined;
  };
}
