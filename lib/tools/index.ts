import { llmConfig, type LlmConfig } from '@/lib/config/llm.config';
import { CancelledError } from '@/lib/llm/errors';
import type { ToolCall, ToolDefinition } from '@/lib/llm/types';
import { traceService } from '@llmtrace/sdk';
import { calculator } from './builtin/calculator';
import { currentTime } from './builtin/current-time';
import { webSearch } from './builtin/web-search';
import type { Tool } from './define';

export { defineTool } from './define';
export type { Tool, ToolContext, ToolSpec } from './define';
export { evaluateArithmetic, ArithmeticError } from './builtin/calculator';

/** The tools every installation has. Add a tool by defining it with `defineTool` and listing it here. */
export const BUILT_IN_TOOLS: readonly Tool[] = [calculator, currentTime, webSearch];

const registry = new Map<string, Tool>(BUILT_IN_TOOLS.map((tool) => [tool.name, tool]));

/**
 * Adds a tool at run time (e.g. one that needs the database, registered at start-up).
 * Throws when the name is taken, unless `replace` is set.
 *
 * @example
 * registerTool(defineTool({ name: 'knowledge_base', description: '…', schema, handler }));
 */
export function registerTool(tool: Tool, options: { replace?: boolean } = {}): void {
  if (registry.has(tool.name) && !options.replace) throw new Error(`A tool named "${tool.name}" is already registered.`);
  registry.set(tool.name, tool);
}

export function getTool(name: string): Tool | undefined {
  return registry.get(name);
}

/** Every registered tool, with whether this configuration offers it. */
export function listTools(config: LlmConfig = llmConfig()): Array<{ name: string; description: string; available: boolean }> {
  return [...registry.values()].map((tool) => ({ name: tool.name, description: tool.description, available: tool.isAvailable(config) }));
}

/**
 * The definitions to send to the model for the requested tool names, keeping only those that
 * exist and are available here (`web_search` needs WEB_SEARCH_URL). Duplicates are dropped.
 *
 * @example
 * toolDefinitions(['calculator', 'web_search'], config) // [calculator] when WEB_SEARCH_URL is unset
 */
export function toolDefinitions(names: readonly string[], config: LlmConfig = llmConfig()): ToolDefinition[] {
  const definitions: ToolDefinition[] = [];
  for (const name of new Set(names)) {
    const tool = registry.get(name);
    if (tool?.isAvailable(config)) definitions.push(tool.definition);
  }
  return definitions;
}

/** The part of the trace service that tool execution uses (the singleton by default). */
export type ToolTracer = Pick<typeof traceService, 'withSpan' | 'update'>;

export interface ExecuteToolOptions {
  config?: LlmConfig;
  /** The caller's signal: when it fires the tool is cancelled and `executeTool` throws {@link CancelledError}. */
  signal?: AbortSignal;
  userId?: string;
  tracer?: ToolTracer;
}

export interface ToolResult {
  toolCallId: string;
  name: string;
  ok: boolean;
  /** What the handler returned (also the span's output_data). */
  output?: unknown;
  /** Why the tool failed: unknown tool, invalid arguments, a throw or a time-out. */
  error?: string;
  /** The text to send back to the model: the output (strings as-is, the rest as JSON), or `{"error": "…"}`. */
  content: string;
}

/** Longest tool result handed back to the model, in characters. */
const MAX_CONTENT_LENGTH = 20_000;

/** A tool failure that goes back to the model as text instead of ending the request. */
class ToolFailure extends Error {}

/**
 * Runs one tool call inside a `tool.<name>` span (operation `tool_call`; input = the arguments,
 * output = the result).
 *
 * A failing tool does not throw: unknown names, arguments that fail the schema, handler errors
 * and time-outs mark the span `failed` with `error_message`, and the result carries
 * `{"error": "…"}` for the model, which can then correct itself or explain the failure to the
 * user. Only a cancellation by the caller's signal throws ({@link CancelledError}; span `cancelled`).
 *
 * @example
 * const result = await executeTool({ id: 'call_1', name: 'calculator', arguments: { expression: '12*7' } });
 * result.content // '{"expression":"12*7","result":84}'
 */
export async function executeTool(call: ToolCall, options: ExecuteToolOptions = {}): Promise<ToolResult> {
  const tracer = options.tracer ?? traceService;
  const tool = registry.get(call.name);
  const base = { toolCallId: call.id, name: call.name };
  try {
    const output = await tracer.withSpan(
      {
        spanName: `tool.${call.name}`,
        operationType: 'tool_call',
        inputData: call.arguments,
        metadata: { tool_call_id: call.id },
        signal: options.signal,
      },
      async (ctx) => {
        if (!tool) throw new ToolFailure(`Unknown tool "${call.name}".`);
        const config = options.config ?? llmConfig();
        if (!tool.isAvailable(config)) throw new ToolFailure(`The tool "${call.name}" is not available here.`);
        const parsed = tool.schema.safeParse(call.arguments);
        if (!parsed.success) {
          const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`);
          throw new ToolFailure(`Invalid arguments for ${call.name}: ${problems.join('; ')}`);
        }
        const result = await runHandler(tool, parsed.data, config, options);
        tracer.update(ctx, { outputData: result });
        return result;
      },
    );
    return { ...base, ok: true, output, content: toContent(output) };
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    if (options.signal?.aborted) throw new CancelledError('The tool call was cancelled.', { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, ok: false, error: message, content: JSON.stringify({ error: message }) };
  }
}

async function runHandler(tool: Tool, args: unknown, config: LlmConfig, options: ExecuteToolOptions): Promise<unknown> {
  const timeout = AbortSignal.timeout(tool.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  // The race ends the call at the time-out even when a handler ignores its signal.
  const timedOut = () => timeout.aborted && !options.signal?.aborted;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(timedOut() ? new ToolFailure(`${tool.name} timed out after ${tool.timeoutMs} ms.`) : new CancelledError());
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve()
      .then(() => tool.handler(args as never, { config, signal, userId: options.userId }))
      .then(resolve, (error: unknown) => reject(timedOut() ? new ToolFailure(`${tool.name} timed out after ${tool.timeoutMs} ms.`) : error))
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function toContent(output: unknown): string {
  const text = typeof output === 'string' ? output : (JSON.stringify(output) ?? 'null');
  return text.length > MAX_CONTENT_LENGTH ? `${text.slice(0, MAX_CONTENT_LENGTH)}… [truncated]` : text;
}
