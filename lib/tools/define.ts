import { z } from 'zod';
import type { LlmConfig } from '@/lib/config/llm.config';
import type { ToolDefinition } from '@/lib/llm/types';

/** What a tool handler gets besides its arguments. */
export interface ToolContext {
  config: LlmConfig;
  /** Fires when the caller gives up or the tool's time-out passes; pass it to fetch and the like. */
  signal: AbortSignal;
  /** Owner of the request, for tools that read per-user data. */
  userId?: string;
}

/** A tool: its model-facing definition plus the code that runs it. Made with {@link defineTool}. */
export interface Tool<Schema extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  schema: Schema;
  handler: (args: z.output<Schema>, context: ToolContext) => unknown;
  /** Offered to the model only when this returns true. Default: always. */
  isAvailable: (config: LlmConfig) => boolean;
  /** Longest the handler may run, in ms. Default 15 000. */
  timeoutMs: number;
  /** Name, description and the schema as JSON Schema, as sent to the providers. */
  definition: ToolDefinition;
}

export interface ToolSpec<Schema extends z.ZodObject> {
  /** `[a-zA-Z0-9_-]{1,64}`, the limit both OpenAI and Anthropic accept. */
  name: string;
  /** Tells the model when to use the tool; write it for the model. */
  description: string;
  /** The arguments; `.describe()` on a field becomes its description in the JSON Schema. */
  schema: Schema;
  /** Gets validated arguments; returns anything JSON-serialisable (or a string); throws on failure. */
  handler: (args: z.output<Schema>, context: ToolContext) => unknown;
  isAvailable?: (config: LlmConfig) => boolean;
  timeoutMs?: number;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Declares a tool in one place: name, description, zod schema and handler. The JSON Schema the
 * model sees is generated from the zod schema with `z.toJSONSchema`.
 *
 * @example
 * export const dice = defineTool({
 *   name: 'roll_dice',
 *   description: 'Roll a die with the given number of sides.',
 *   schema: z.object({ sides: z.number().int().min(2).max(100).describe('Number of sides') }),
 *   handler: ({ sides }) => ({ rolled: 1 + Math.floor(Math.random() * sides) }),
 * });
 */
export function defineTool<Schema extends z.ZodObject>(spec: ToolSpec<Schema>): Tool<Schema> {
  if (!TOOL_NAME.test(spec.name)) {
    throw new Error(`Tool name "${spec.name}" must match ${TOOL_NAME} (letters, digits, _ and -, at most 64).`);
  }
  const { $schema: _dialect, ...parameters } = z.toJSONSchema(spec.schema, { io: 'input' }) as Record<string, unknown>;
  return {
    name: spec.name,
    description: spec.description,
    schema: spec.schema,
    handler: spec.handler,
    isAvailable: spec.isAvailable ?? (() => true),
    timeoutMs: spec.timeoutMs ?? 15_000,
    definition: { name: spec.name, description: spec.description, parameters },
  };
}
