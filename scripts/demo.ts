/**
 * `npm run demo -- --key lt_…`: fills a running LLMTrace with realistic traces through its own
 * HTTP API, using the offline demo model: plain and streamed chats, tool calls, knowledge-base
 * retrieval, a failing request, evaluations with failure tags, and a trace posted by "another app"
 * with a hung tool call. Needs no provider keys.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseSseText } from '@/lib/chat/sse-parse';
import { readAppConfig } from '@/lib/config/app.config';
import { loadEnvFile } from './env';

loadEnvFile();
const { values } = parseArgs({ options: { key: { type: 'string' }, url: { type: 'string' } } });
const config = readAppConfig();
const baseUrl = (values.url ?? process.env.LLMTRACE_URL ?? `http://${config.host}:${config.port}`).replace(/\/$/, '');
const apiKey = values.key ?? process.env.LLMTRACE_API_KEY;

if (!apiKey) {
  console.error(
    'npm run demo needs an API key: the one printed when the server first started, or a new one from Settings → API keys.\n' +
      '  npm run demo -- --key lt_…        (or set LLMTRACE_API_KEY)',
  );
  process.exit(1);
}

async function api(path: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const DOCUMENTS = [
  { title: 'Refund policy', content: 'Customers may request a full refund within 30 days of purchase. After 30 days we offer store credit. Refunds are processed within 5 business days to the original payment method.' },
  { title: 'Shipping times', content: 'Standard shipping takes 3 to 5 business days within the EU and 7 to 10 business days worldwide. Express shipping arrives in 1 to 2 business days.' },
  { title: 'Support hours', content: 'Our support team answers chats and emails Monday to Friday from 8:00 to 18:00 CET. Urgent outages are handled around the clock by the on-call engineer.' },
];

interface Step {
  label: string;
  body: Record<string, unknown>;
  evaluation?: { success: boolean; rating: number; failure_tags?: string[]; notes?: string };
}

const STEPS: Step[] = [
  { label: 'plain answer', body: { messages: [{ role: 'user', content: 'Hi! What can you do?' }] } },
  { label: 'streamed answer', body: { messages: [{ role: 'user', content: 'Explain in two sentences what a trace is.' }], stream: true } },
  { label: 'calculator tool', body: { messages: [{ role: 'user', content: 'What is 1234 * 5678?' }], tools: ['calculator'] }, evaluation: { success: true, rating: 5 } },
  { label: 'clock tool, streamed', body: { messages: [{ role: 'user', content: 'What time is it in Tokyo?' }], tools: ['current_time'], stream: true } },
  { label: 'knowledge base', body: { messages: [{ role: 'user', content: 'How long do refunds take?' }], knowledgeBase: true }, evaluation: { success: false, rating: 2, failure_tags: ['hallucination', 'incomplete'], notes: 'Did not mention store credit after 30 days.' } },
  { label: 'knowledge base, streamed', body: { messages: [{ role: 'user', content: 'When is support available?' }], knowledgeBase: true, stream: true } },
  { label: 'tools + knowledge base', body: { messages: [{ role: 'user', content: 'Shipping takes how many days? Also what is 7*24?' }], tools: ['calculator', 'current_time'], knowledgeBase: true }, evaluation: { success: false, rating: 3, failure_tags: ['incomplete'] } },
  { label: 'provider failure', body: { messages: [{ role: 'user', content: 'Trigger an upstream error please [demo:fail]' }] } },
  { label: 'another plain answer', body: { messages: [{ role: 'user', content: 'Tell me a fun fact about octopuses.' }] }, evaluation: { success: false, rating: 1, failure_tags: ['hallucination'], notes: 'Made-up fact.' } },
  { label: 'calculator, streamed', body: { messages: [{ role: 'user', content: 'What is (17 + 25) * 3?' }], tools: ['calculator'], stream: true }, evaluation: { success: true, rating: 4 } },
];

async function readDone(response: Response): Promise<Record<string, any>> {
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) return response.json();
  const last = parseSseText(await response.text()).find((e) => e.event === 'done' || e.event === 'error');
  if (!last) return {};
  return last.event === 'error' ? { error: last.data } : (last.data as Record<string, any>);
}

/** A trace as another app would send it: an agent whose third tool call hung for 6 s. */
function externalAgentTrace() {
  const id = (bytes: number) => randomBytes(bytes).toString('hex');
  const traceId = id(16);
  const root = id(8);
  const t0 = Date.now() - 9_000;
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const spans: Record<string, unknown>[] = [
    { trace_id: traceId, span_id: root, span_name: 'support-agent.run', operation_type: 'agent', status: 'completed', start_time: at(0), end_time: at(8_450), service_name: 'support-bot', model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: 5400, output_tokens: 620, input_data: { messages: [{ role: 'user', content: 'Where is my order #4411?' }] }, output_data: { content: 'Your order shipped yesterday and arrives Friday.' } },
    { trace_id: traceId, span_id: id(8), parent_trace_id: root, span_name: 'llm.call', operation_type: 'llm_call', status: 'completed', start_time: at(10), end_time: at(900), model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: 1800, output_tokens: 60, time_to_first_token_ms: 310 },
    { trace_id: traceId, span_id: id(8), parent_trace_id: root, span_name: 'tool.lookup_customer', operation_type: 'tool_call', status: 'completed', start_time: at(910), end_time: at(1_050), input_data: { email: 'sam@example.com' }, output_data: { customerId: 'c_981' } },
    { trace_id: traceId, span_id: id(8), parent_trace_id: root, span_name: 'tool.list_orders', operation_type: 'tool_call', status: 'completed', start_time: at(1_060), end_time: at(1_300), input_data: { customerId: 'c_981' }, output_data: { orders: ['#4411', '#4390'] } },
    { trace_id: traceId, span_id: id(8), parent_trace_id: root, span_name: 'tool.track_shipment', operation_type: 'tool_call', status: 'failed', start_time: at(1_310), end_time: at(7_310), error_message: 'carrier API timed out after 6000 ms', input_data: { order: '#4411' } },
    { trace_id: traceId, span_id: id(8), parent_trace_id: root, span_name: 'tool.track_shipment', operation_type: 'tool_call', status: 'completed', start_time: at(7_320), end_time: at(7_600), input_data: { order: '#4411', retry: 1 }, output_data: { status: 'shipped', eta: 'Friday' } },
    { trace_id: traceId, span_id: id(8), parent_trace_id: root, span_name: 'llm.call', operation_type: 'llm_call', status: 'completed', start_time: at(7_610), end_time: at(8_440), model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: 3600, output_tokens: 560, time_to_first_token_ms: 280 },
  ];
  return spans;
}

async function main() {
  try {
    const health = await fetch(`${baseUrl}/api/health`);
    if (!health.ok) throw new Error(`health answered ${health.status}`);
  } catch (error) {
    console.error(`Cannot reach LLMTrace at ${baseUrl} (${(error as Error).message}). Start it with \`npm start\` first, or pass --url.`);
    process.exit(1);
  }
  const total = DOCUMENTS.length + STEPS.length + 1;
  let done = 0;
  const progress = (label: string, outcome: string) => console.log(`[${String(++done).padStart(2)}/${total}] ${label.padEnd(34)} ${outcome}`);

  for (const doc of DOCUMENTS) {
    const response = await api('/api/documents', doc);
    if (response.status === 401) {
      console.error('The API key was refused (401). Use the key printed at first start, or create one in Settings → API keys.');
      process.exit(1);
    }
    progress(`document "${doc.title}"`, response.ok ? '✓ added' : `✗ ${response.status}`);
  }

  let failures = 0;
  for (const step of STEPS) {
    const started = Date.now();
    const result = await readDone(await api('/api/chat', step.body));
    const ms = Date.now() - started;
    if (result.error) {
      progress(step.label, `✗ failed as planned (${ms} ms) · trace ${result.error.traceId}`);
      continue;
    }
    let note = '';
    if (step.evaluation && result.messageId) {
      const evaluation = await api('/api/evaluations', { message_id: result.messageId, ...step.evaluation });
      note = evaluation.ok ? (step.evaluation.failure_tags ? ` · tagged ${step.evaluation.failure_tags.join(', ')}` : ' · rated') : ` · evaluation ${evaluation.status}`;
    }
    if (!result.messageId) failures++;
    progress(step.label, result.messageId ? `✓ ${ms} ms, ${result.usage?.totalTokens ?? '?'} tokens${note}` : '✗ no answer');
  }

  const external = await api('/api/analytics/traces', { traces: externalAgentTrace() });
  const accepted = external.ok ? ((await external.json()) as { accepted: number }).accepted : 0;
  progress('external agent trace (HTTP ingest)', external.ok ? `✓ ${accepted} spans` : `✗ ${external.status}`);

  console.log(`\nDone. Open ${baseUrl}/analytics/traces to explore the traces (spans appear within a second).`);
  if (failures) process.exitCode = 1;
}

void main();
