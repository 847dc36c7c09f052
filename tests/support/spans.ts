import { randomBytes } from 'node:crypto';

export const hexId = (bytes: number) => randomBytes(bytes).toString('hex');

/** A three-level trace as another program would post it: root → llm.call / retrieval → search. */
export function threeLevelTrace(options: { start?: Date; messageId?: string; conversationId?: string } = {}) {
  const traceId = hexId(16);
  const start = options.start ?? new Date('2026-11-20T10:00:00.000Z');
  const at = (ms: number) => new Date(start.getTime() + ms).toISOString();
  const root = hexId(8);
  const retrieval = hexId(8);
  const search = hexId(8);
  const call = hexId(8);
  const spans = [
    {
      trace_id: traceId, span_id: root, span_name: 'llm.completion', operation_type: 'llm_call', status: 'completed',
      start_time: at(0), end_time: at(2500), model_name: 'gpt-4o', model_provider: 'openai', input_tokens: 1000, output_tokens: 200,
      message_id: options.messageId, conversation_id: options.conversationId,
      input_data: { messages: [{ role: 'user', content: 'hi' }] }, output_data: { content: 'hello' }, metadata: { env: 'test' },
    },
    { trace_id: traceId, span_id: retrieval, parent_trace_id: root, span_name: 'retrieval', operation_type: 'retrieval', start_time: at(10), end_time: at(310) },
    { trace_id: traceId, span_id: search, parent_trace_id: retrieval, span_name: 'knowledge_base.search', operation_type: 'retrieval', start_time: at(20), end_time: at(300) },
    {
      trace_id: traceId, span_id: call, parent_trace_id: root, span_name: 'llm.call', operation_type: 'llm_call', start_time: at(320), end_time: at(2400),
      model_name: 'gpt-4o', model_provider: 'openai', input_tokens: 1000, output_tokens: 200,
    },
  ];
  return { traceId, spanIds: { root, retrieval, search, call }, spans };
}
