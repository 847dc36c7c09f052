/**
 * The one keyset-cursor codec: a page's last row as `(position, id)`, in an opaque base64url
 * token. Each list says what a valid position is, so a forged or stale cursor decodes to null
 * (a clear 422) and never reaches a query.
 */

/** A row id as Postgres' uuid type reads it. */
export const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface KeysetCursor {
  /** The sort key of the last row, as text (an ISO instant, microseconds, …). */
  position: string;
  /** The last row's uuid: the tie-breaker. */
  id: string;
}

/**
 * @example
 * encodeCursor({ position: '2026-01-01T00:00:00.000Z', id }); // 'WyIyMDI2LTAxLTAxVDAw…'
 */
export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.position, cursor.id])).toString('base64url');
}

/**
 * The cursor {@link encodeCursor} wrote, or null for anything else: a position that
 * `validPosition` accepts and a uuid.
 *
 * @example
 * decodeCursor(token, (p) => /^\d{1,18}$/.test(p)); // { position: '1767225600000000', id } or null
 */
export function decodeCursor(value: string, validPosition: (position: string) => boolean): KeysetCursor | null {
  try {
    const decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(decoded) || decoded.length !== 2) return null;
    const [position, id] = decoded as [unknown, unknown];
    if (typeof position !== 'string' || typeof id !== 'string' || !UUID_TEXT.test(id)) return null;
    return validPosition(position) ? { position, id } : null;
  } catch {
    return null;
  }
}
