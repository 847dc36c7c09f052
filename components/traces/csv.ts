/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, line break or edge whitespace,
 * with quotes doubled. Text starting with `=`, `+`, `-`, `@` gets a leading `'` so spreadsheets
 * do not evaluate it as a formula.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
