/**
 * Reading a streamed event for the proxy. The readers for provider JSON (`isRecord`, `text`,
 * `count`…) and the replies' reading itself are in `@llmtrace/sdk/providers`.
 */
import { isRecord, type JsonObject } from '@llmtrace/sdk/providers';

/** The JSON in one event's `data`; throws on anything else (the relay then stops recording). */
export function eventJson(data: string): JsonObject {
  const parsed: unknown = JSON.parse(data);
  if (!isRecord(parsed)) throw new Error('a streamed event whose data is not a JSON object');
  return parsed;
}
