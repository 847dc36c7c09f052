// A small application using the packed @llmtrace/sdk as a user would, copied into a fresh project
// by tests/sdk/pack.test.ts: init, observe around wrapped OpenAI and Anthropic calls (JSON and
// streamed, responses, embeddings, a failing call), then shutdown. It prints its answers as one
// JSON line and, when it exits, the tracer's counters as another.
//
// Environment: LLMTRACE_URL, LLMTRACE_API_KEY, FAKE_OPENAI_URL (chat), FAKE_PLATFORM_URL
// (responses, embeddings), FAKE_ANTHROPIC_URL. With `--no-shutdown` it leaves the flush to the
// exit hooks that init() registers.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { init, observe, shutdown, traceService, wrapAnthropic, wrapOpenAI } from '@llmtrace/sdk';

init({ url: process.env.LLMTRACE_URL, apiKey: process.env.LLMTRACE_API_KEY });
process.on('exit', () => console.log(JSON.stringify({ stats: traceService.stats() })));

const openai = wrapOpenAI(new OpenAI({ apiKey: 'test', baseURL: process.env.FAKE_OPENAI_URL, maxRetries: 0 }));
const platform = wrapOpenAI(new OpenAI({ apiKey: 'test', baseURL: process.env.FAKE_PLATFORM_URL, maxRetries: 0 }));
const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'test', baseURL: process.env.FAKE_ANTHROPIC_URL, maxRetries: 0 }));
const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];

const answers = await observe({ name: 'pipeline', sessionId: 'pack-session', tags: ['pack'] }, async (span) => {
  const chat = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
  let chatStream = '';
  const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) chatStream += chunk.choices[0]?.delta?.content ?? '';

  const claude = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 50, messages });
  let claudeStream = '';
  for await (const event of await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 50, messages, stream: true })) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') claudeStream += event.delta.text;
  }

  const { data: vectors } = await observe('retrieval', () =>
    platform.embeddings.create({ model: 'text-embedding-3-small', input: ['Paris'], encoding_format: 'float' }).withResponse(),
  );
  const response = await platform.responses.create({ model: 'gpt-4.1-mini', input: 'Summarise.' });

  let failure = null;
  try {
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [] });
  } catch (error) {
    failure = `${error.constructor.name} ${error.status}`;
  }
  return {
    traceId: span.traceId,
    chat: chat.choices[0].message.content,
    chatStream,
    claude: claude.content[0].text,
    claudeStream,
    vectors: vectors.data.length,
    response: response.output_text,
    failure,
  };
});
console.log(JSON.stringify({ answers }));

if (!process.argv.includes('--no-shutdown')) await shutdown();
