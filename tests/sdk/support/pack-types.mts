// Type-checked (not run) in the fresh project by tests/sdk/pack.test.ts, against the packed
// declarations: the wrappers keep the clients' types, `.withResponse()` included, and observe
// returns what its function returns; both forms of `mask` are accepted.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { flush, init, observe, shutdown, wrapAnthropic, wrapOpenAI, type InitOptions, type ObserveParams } from '@llmtrace/sdk';
import { maskWith, type DetectorName } from '@llmtrace/sdk/mask';
import { SPAN_FIELDS } from '@llmtrace/sdk/span';

const options: InitOptions = { url: 'http://127.0.0.1:3000', apiKey: 'lt_key' };
init(options);
const detectors: DetectorName[] = ['email', 'secret'];
init({ ...options, mask: maskWith({ detectors, custom: [{ pattern: 'ORD-\\d{6}', replacement: '[ORDER]' }] }) });
init({ ...options, mask: (value, field) => (field === 'metadata' ? value : null) });
const openai: OpenAI = wrapOpenAI(new OpenAI({ apiKey: 'key' }));
const anthropic: Anthropic = wrapAnthropic(new Anthropic({ apiKey: 'key' }));
const params: ObserveParams = { name: 'answer', sessionId: 's', endUserId: 'u', tags: ['t'], metadata: { v: 1 }, inputData: { q: 1 } };

export async function answer(): Promise<string> {
  const { data, request_id } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }).withResponse();
  const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true });
  for await (const chunk of stream) void chunk.choices[0]?.delta.content;
  const message: Anthropic.Message = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 1, messages: [] });
  const raw: Response = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }).asResponse();
  const id: string = await observe(params, async () => message.id);
  const length: number = await observe('count', () => raw.status + SPAN_FIELDS.trace_id.kind.length);
  await flush();
  await shutdown();
  return `${data.choices[0]?.message.content} ${request_id} ${id} ${length}`;
}
