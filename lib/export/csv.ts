/**
 * Cells that a spreadsheet would read as a formula (OWASP "CSV Injection"): text starting with
 * `=`, `+`, `-`, `@`, `;`, a tab or a carriage return, or with `=`, `+`, `-`, `@`, `;` after
 * leading whitespace (spreadsheets skip it). The fullwidth forms count too: some locales' Excel
 * reads `＝` as `=`.
 */
const FORMULA_START = /^(?:[\t\r]|\s*[=+\-@;\uFF1D\uFF0B\uFF0D\uFF20\uFF1B])/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, line break or edge whitespace,
 * with quotes doubled. Text that could start a formula gets a leading `'`, which spreadsheets show
 * as plain text. Numbers and booleans are written as they are; objects as JSON.
 *
 * @example
 * csvField('=HYPERLINK("http://x")'); // `"'=HYPERLINK(""http://x"")"`
 * csvField(-1.5);                      // '-1.5'
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  if (typeof value !== 'number' && typeof value !== 'boolean' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
