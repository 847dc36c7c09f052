/**
 * Where a search text occurs in a span's strings, so the trace view can mark it. Pure and
 * text-only: the caller wraps each matching part in an element; nothing here produces markup.
 *
 * Matching is case-insensitive with Unicode case folding (Cyrillic, Greek, accented Latin…) and
 * literal (no pattern characters), like the trace list's search.
 */

/** A run of text, and whether it is an occurrence of the query. */
export interface HighlightPart {
  text: string;
  match: boolean;
}

const cache = new Map<string, RegExp | null>();

/** A global, case-insensitive, Unicode regular expression for the literal query, or null for an empty one. */
export function highlightPattern(query: string): RegExp | null {
  const trimmed = query.trim();
  if (!trimmed) return null;
  let pattern = cache.get(trimmed);
  if (pattern === undefined) {
    // Only syntax characters may be escaped in a Unicode-mode expression.
    pattern = new RegExp(trimmed.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'giu');
    if (cache.size > 50) cache.clear();
    cache.set(trimmed, pattern);
  }
  return pattern;
}

/**
 * `text` cut into the runs that match `query` and those that do not, in order; joined, the parts
 * give `text` back. No query or no occurrence: one non-matching part.
 *
 * @example
 * highlightParts('Refund or refund?', 'REFUND')
 * // [{ text: 'Refund', match: true }, { text: ' or ', match: false }, { text: 'refund', match: true }, { text: '?', match: false }]
 */
export function highlightParts(text: string, query: string): HighlightPart[] {
  const pattern = highlightPattern(query);
  if (!pattern || text === '') return [{ text, match: false }];
  const parts: HighlightPart[] = [];
  let last = 0;
  pattern.lastIndex = 0;
  for (let found = pattern.exec(text); found; found = pattern.exec(text)) {
    if (found[0] === '') {
      pattern.lastIndex++;
      continue;
    }
    if (found.index > last) parts.push({ text: text.slice(last, found.index), match: false });
    parts.push({ text: found[0], match: true });
    last = found.index + found[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), match: false });
  return parts.length > 0 ? parts : [{ text, match: false }];
}

/** Where the first occurrence of `query` in `text` ends, or -1 (to open a cut text far enough to show it). */
export function firstMatchEnd(text: string, query: string): number {
  const pattern = highlightPattern(query);
  if (!pattern) return -1;
  pattern.lastIndex = 0;
  const found = pattern.exec(text);
  return found ? found.index + found[0].length : -1;
}

/** Deepest level {@link containsMatch} looks into, and most strings it reads. */
const MAX_DEPTH = 64;
const MAX_STRINGS = 20_000;

/**
 * Whether a JSON value holds `query` in one of its strings or numbers (keys aside, as in the
 * search), e.g. to open the collapsed parts of a JSON tree that hold a match.
 */
export function containsMatch(value: unknown, query: string): boolean {
  const pattern = highlightPattern(query);
  if (!pattern) return false;
  let budget = MAX_STRINGS;
  const visit = (node: unknown, depth: number): boolean => {
    if (budget-- <= 0 || depth > MAX_DEPTH) return false;
    if (typeof node === 'string' || typeof node === 'number') {
      pattern.lastIndex = 0;
      return pattern.test(String(node));
    }
    if (Array.isArray(node)) return node.some((item) => visit(item, depth + 1));
    if (node && typeof node === 'object') return Object.values(node).some((item) => visit(item, depth + 1));
    return false;
  };
  return visit(value, 0);
}
