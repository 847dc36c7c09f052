/**
 * Request helpers of the wrappers. The readers for provider objects (`isRecord`, `text`, `count`…)
 * are in `../providers/fields`.
 */

/**
 * A copy of a list the caller may keep changing (a chat history grows after each call), so the
 * span keeps what was sent. Anything else is returned as it is.
 */
export function snapshot(value: unknown): unknown {
  return Array.isArray(value) ? [...value] : value;
}
