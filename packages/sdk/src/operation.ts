/**
 * The operation classifier: what kind of work a span name implies.
 */
import type { OperationType } from './span/fields';

/**
 * The operation type a span name implies: `llm.*` → `llm_call`, `tool.*` → `tool_call`,
 * `retrieval*` and `*.search` → `retrieval`, `embedding*` → `embedding`, otherwise `other`.
 *
 * @example
 * operationTypeForName('tool.web_search'); // 'tool_call'
 */
export function operationTypeForName(spanName: string): OperationType {
  if (spanName.startsWith('llm.')) return 'llm_call';
  if (spanName.startsWith('tool.')) return 'tool_call';
  if (spanName.startsWith('retrieval') || spanName.endsWith('.search')) return 'retrieval';
  if (spanName.startsWith('embedding')) return 'embedding';
  return 'other';
}
