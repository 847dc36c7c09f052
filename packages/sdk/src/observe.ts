/**
 * `observe`: a function of the application as a span, the shortest way to group its model and
 * tool calls into one trace.
 */
import { traceService } from './default';
import { reportError } from './diag';
import { operationTypeForName } from './operation';
import type { OperationType } from './span/fields';
import type { TraceContext, WithSpanParams } from './types';

/**
 * The span `observe` opens: a `name`, and optionally anything `withSpan` takes (`sessionId`,
 * `endUserId`, `tags`, `metadata`, `inputData`, `signal`, `userId`, `parent`, …).
 */
export type ObserveParams = Omit<WithSpanParams, 'spanName' | 'operationType'> & {
  name: string;
  /** Default: what the name implies (`tool.*` → `tool_call`, `retrieval*` → `retrieval`, …), else `chain`. */
  operationType?: OperationType;
};

/**
 * Runs `fn` in a span of the default tracer and returns its result. Spans started inside it (other
 * `observe` calls, `withSpan`, wrapped OpenAI and Anthropic calls) become its children, across
 * `await`s. When `fn` throws, the span ends `failed` (or `cancelled` for an abort) and the error is
 * re-thrown unchanged. `fn` receives the span, for `update(span, { outputData })` and the like.
 *
 * @example
 * const answer = await observe({ name: 'answer-question', sessionId, endUserId: user.id, inputData: { question } }, async (span) => {
 *   const docs = await observe('retrieval', () => search(question));
 *   const reply = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: prompt(question, docs) });
 *   update(span, { outputData: reply.choices[0].message.content });
 *   return reply.choices[0].message.content;
 * });
 */
export function observe<T>(name: string, fn: (span: TraceContext) => T | Promise<T>): Promise<T>;
export function observe<T>(params: ObserveParams, fn: (span: TraceContext) => T | Promise<T>): Promise<T>;
export function observe<T>(nameOrParams: string | ObserveParams, fn: (span: TraceContext) => T | Promise<T>): Promise<T> {
  return traceService.withSpan(spanParams(nameOrParams), fn);
}

function spanParams(nameOrParams: string | ObserveParams): WithSpanParams {
  try {
    const params: ObserveParams = typeof nameOrParams === 'string' ? { name: nameOrParams } : nameOrParams;
    const { name, operationType, ...rest } = params;
    const spanName = typeof name === 'string' && name !== '' ? name : 'observe';
    const implied = operationTypeForName(spanName);
    return { ...rest, spanName, operationType: operationType ?? (implied === 'other' ? 'chain' : implied) };
  } catch (error) {
    reportError('observe() got parameters it cannot read', error);
    return { spanName: 'observe', operationType: 'chain' };
  }
}
