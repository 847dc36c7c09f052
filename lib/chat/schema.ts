import { z } from 'zod';

/** Body of `POST /api/chat` (DESIGN.md §6). */
export const ChatRequestBody = z.object({
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'user', 'assistant']),
        content: z.string().max(200_000),
      }),
    )
    .min(1, 'send at least one message')
    .max(500)
    .refine((messages) => messages[messages.length - 1]?.role === 'user', 'the last message must be from the user'),
  conversationId: z.uuid().optional(),
  provider: z.enum(['openai', 'anthropic', 'demo']).optional(),
  model: z.string().trim().min(1).max(200).optional(),
  stream: z.boolean().default(false),
  tools: z.array(z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/)).max(32).default([]),
  knowledgeBase: z.boolean().default(false),
  /** The application's own user; stored as the trace's `end_user_id`. */
  user: z.string().trim().min(1).max(200).optional(),
  /** Labels for the trace list's tag filter. */
  tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
});
export type ChatRequestBody = z.infer<typeof ChatRequestBody>;

/** The body of a finished chat (the non-streamed response, and the `done` event). */
export interface ChatResult {
  conversationId: string;
  messageId: string;
  /** null when tracing is disabled. */
  traceId: string | null;
  content: string;
  provider: string;
  model: string;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  costUsd: number | null;
  latencyMs: number;
  toolCalls: Array<{ name: string; arguments: Record<string, unknown>; result: string; ok: boolean }>;
}

export type ChatEvent =
  | { type: 'delta'; text: string }
  | { type: 'tool'; name: string; arguments: Record<string, unknown>; result: string }
  | { type: 'done'; result: ChatResult }
  | { type: 'error'; message: string; traceId: string | null };
