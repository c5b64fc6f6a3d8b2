/** A compiled glob: `test(id)` is true when the whole id matches the pattern. */
export interface Glob {
  readonly pattern: string;
  test(id: string): boolean;
}

const REGEXP_SPECIALS = /[.*+?^${}()|[\]\\/]/g;

function escapeRegExp(literal: string): string {
  return literal.replace(REGEXP_SPECIALS, '\\$&');
}

/**
 * Compiles a methodology §5.2 glob once: `*` matches any run of characters (dots and dashes included), every other
 * character is literal, and the match is anchored to the whole id. Patterns without `*` are plain equality, the
 * cheapest test and the common case for bare ids like `o1` or `gpt-4`.
 */
export function compileGlob(pattern: string): Glob {
  if (!pattern.includes('*')) {
    return { pattern, test: (id) => id === pattern };
  }
  // The `s` flag lets `*` cross any character; ids never contain newlines, but a glob should not care.
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return { pattern, test: (id) => regex.test(id) };
}
