import 'server-only';
import { randomUUID } from 'node:crypto';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import type { Principal } from '@/lib/auth/accounts';
import { llmConfig } from '@/lib/config/llm.config';
import type { Database } from '@/lib/db/client';
import { summarizeDatabaseError } from '@/lib/db/errors';
import { createConversation, findConversation, insertMessage, listConversationMessages, type ConversationSource } from '@/lib/db/queries/chat';
import { ApiError } from '@/lib/http/errors';
import { ProviderError } from '@/lib/llm/errors';
import type { ChatMessage, ModelResponse, ProviderName } from '@/lib/llm/types';
import { callModel } from '@/lib/llm/unified-client';
import { maskMessageText } from '@/lib/privacy/store';
import { executeTool, toolDefinitions } from '@/lib/tools';
import { describeError, isAbortError, isRecording, runWithSpan, traceService, type TraceContext, type TraceResult } from '@llmtrace/sdk';
import { retrieveContext } from './retrieval';
import type { ChatEvent, ChatRequestBody, ChatResult } from './schema';

/** Model round trips per request at most: tool calls cannot loop forever. */
export const MAX_ROUNDS = 6;

export interface RunChatOptions {
  principal: Principal;
  body: ChatRequestBody;
  signal?: AbortSignal;
  /** Receives deltas and tool runs as they happen (the SSE stream). */
  onEvent?: (event: ChatEvent) => void;
}

/** What the chat is about to do, known before any model call: lets the route send headers early. */
export interface PreparedChat {
  traceId: string | null;
  run(): Promise<ChatResult>;
}

interface Totals {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  /** null once any round was unpriced: a partial sum would understate the bill. */
  costUsd: number | null;
  estimated: boolean;
  rounds: number;
  model: string;
}

function addRound(totals: Totals, reply: ModelResponse): void {
  totals.inputTokens += reply.usage.inputTokens;
  totals.outputTokens += reply.usage.outputTokens;
  totals.cachedInputTokens += reply.usage.cachedInputTokens ?? 0;
  totals.reasoningTokens += reply.usage.reasoningTokens ?? 0;
  totals.costUsd = totals.costUsd === null || reply.costUsd === null ? null : totals.costUsd + reply.costUsd;
  totals.estimated ||= reply.usage.estimated;
  totals.rounds += 1;
  totals.model = reply.model || totals.model;
}

function resolveModel(body: ChatRequestBody): { provider: ProviderName; model: string } {
  const config = llmConfig();
  const provider = body.provider ?? config.defaultProvider;
  if (provider === 'openai' && !config.openai.configured) {
    throw new ApiError('validation_failed', 'The openai provider is not configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server).', { details: [{ path: 'provider', message: 'not configured' }] });
  }
  if (provider === 'anthropic' && !config.anthropic.configured) {
    throw new ApiError('validation_failed', 'The anthropic provider is not configured: set ANTHROPIC_API_KEY.', { details: [{ path: 'provider', message: 'not configured' }] });
  }
  return { provider, model: body.model ?? config.defaultModels[provider] };
}

function titleFrom(content: string): string {
  const line = content.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}…` : line || 'New conversation';
}

/** Where a principal's new conversations come from: the dashboard, a full API key, or a widget (chat-scope) key. */
function sourceOf(principal: Principal): ConversationSource {
  if (principal.via === 'session') return 'app';
  return principal.scope === 'chat' ? 'widget' : 'api';
}

/**
 * The conversations a principal may continue: a widget key only widget conversations (DESIGN.md
 * §6), so that it can never load the history of its user's other chats. Others: all of its user's.
 */
function continuableSources(principal: Principal): readonly ConversationSource[] | undefined {
  return principal.scope === 'chat' ? ['widget'] : undefined;
}

/** The conversation a request continues or starts, and the messages the model is sent. */
interface ConversationPlan {
  /** Null for a new conversation: it is created together with the user's message. */
  id: string | null;
  /** The conversation's id, chosen now for a new one: the trace's session from its first span. */
  sessionId: string;
  source: ConversationSource;
  history: ChatMessage[];
}

async function planConversation(database: Database, principal: Principal, body: ChatRequestBody): Promise<ConversationPlan> {
  const lastUser = body.messages[body.messages.length - 1];
  if (!body.conversationId) {
    return {
      id: null,
      sessionId: randomUUID(),
      source: sourceOf(principal),
      history: body.messages.map((m) => ({ role: m.role, content: m.content })),
    };
  }
  const conversation = await findConversation(database, {
    userId: principal.userId,
    conversationId: body.conversationId,
    sources: continuableSources(principal),
  });
  if (!conversation) throw new ApiError('not_found', 'No conversation with that id.');
  // A continued conversation: the stored turns, plus any system prompt the client sends.
  const stored = await listConversationMessages(database, { userId: principal.userId, conversationId: conversation.id });
  const history: ChatMessage[] = [
    ...body.messages.filter((m) => m.role === 'system').map((m) => ({ role: 'system' as const, content: m.content })),
    ...stored.filter((m) => m.role === 'user' || m.role === 'assistant').map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })),
    { role: 'user', content: lastUser.content },
  ];
  return { id: conversation.id, sessionId: conversation.id, source: conversation.source, history };
}

/** Saves the user's message; a new conversation is created with it, in one transaction. */
async function saveUserMessage(
  database: Database,
  { principal, conversation, content, traceId }: { principal: Principal; conversation: ConversationPlan; content: string; traceId: string | null },
): Promise<{ conversationId: string; messageId: string }> {
  if (conversation.id === null) {
    const created = await createConversation(database, {
      id: conversation.sessionId,
      userId: principal.userId,
      title: titleFrom(content),
      source: conversation.source,
      firstMessage: { role: 'user', content, traceId },
    });
    return { conversationId: created.conversation.id, messageId: created.message.id };
  }
  const message = await insertMessage(database, { conversationId: conversation.id, userId: principal.userId, role: 'user', content, traceId });
  return { conversationId: conversation.id, messageId: message.id };
}

/**
 * The API error for a chat that failed after its trace started: it names the trace (DESIGN.md
 * §3). A provider failure is a 502; anything unexpected is logged with its cause and hidden
 * behind a 500.
 */
function chatFailure(error: unknown, traceId: string | null): ApiError {
  if (error instanceof ApiError) return new ApiError(error.code, error.message, { ...error.options, extra: { ...error.options.extra, traceId } });
  if (error instanceof ProviderError) {
    return new ApiError('provider_error', `The model provider failed: ${error.message}`, { extra: { traceId, provider: error.provider } });
  }
  console.error(`[llmtrace] chat failed (trace ${traceId ?? 'not recorded'}):`, error);
  return new ApiError('internal_error', 'Something went wrong on our side. The error was logged.', { extra: { traceId } });
}

/**
 * The root's error_message for a failure: the provider's or the database's own words. A failed
 * query is named by its cause, not by its SQL and parameters (which hold the user's message).
 */
function failureMessage(error: unknown): string {
  if (error instanceof ProviderError) return `${error.provider} failed: ${error.message}`;
  if (error instanceof DrizzleQueryError && error.cause !== undefined) return `database: ${summarizeDatabaseError(error.cause)}`;
  return describeError(error);
}

/**
 * The chat pipeline behind `POST /api/chat`: one request = one trace (DESIGN.md §3).
 *
 * Saves the user's message, runs optional knowledge-base retrieval, then the model in rounds with
 * native tool calls, saves the assistant's message, and ends the `llm.completion` root with the
 * request's totals and the message's id. Every model round is an `llm.call` span and every tool
 * run a `tool.<name>` span (both made by `lib/llm` and `lib/tools`). The root and the message
 * share tokens, cost and one measured interval.
 *
 * Once the root has started it always ends: if saving the user's message fails here, it ends
 * `failed` at once; otherwise `run()` ends it, whatever happens there. Every error after the
 * start carries the `traceId`.
 */
export async function prepareChat(database: Database, options: RunChatOptions): Promise<PreparedChat> {
  const { principal, body } = options;
  const { provider, model } = resolveModel(body);
  const tools = toolDefinitions(body.tools);
  const unknownTools = body.tools.filter((name) => !tools.some((t) => t.name === name));
  if (unknownTools.length) {
    throw new ApiError('validation_failed', `Unknown or unavailable tools: ${unknownTools.join(', ')}.`, { details: [{ path: 'tools', message: `unavailable: ${unknownTools.join(', ')}` }] });
  }
  const conversation = await planConversation(database, principal, body);

  const root = await traceService.startTrace({
    spanName: 'llm.completion',
    operationType: 'llm_call',
    userId: principal.userId,
    conversationId: conversation.id ?? undefined,
    // The session of a chat is its conversation, named before it is saved so every span carries it.
    sessionId: conversation.sessionId,
    endUserId: body.user,
    tags: body.tags,
    modelName: model,
    modelProvider: provider,
    inputData: { messages: conversation.history, tools: body.tools, knowledgeBase: body.knowledgeBase },
    metadata: { stream: body.stream, source: conversation.source },
  });
  // Not recording (tracing off, or the service already shut down): the message gets no trace id.
  const traceId = isRecording(root) ? root.traceId : null;
  let saved: { conversationId: string; messageId: string };
  try {
    // Masked with the account's rules, as the trace's copy is (issue 13): the message and its trace agree.
    const content = await maskMessageText(database, { userId: principal.userId, text: body.messages[body.messages.length - 1].content });
    saved = await saveUserMessage(database, { principal, conversation, content, traceId });
  } catch (error) {
    await traceService.captureError(root, error, { errorMessage: failureMessage(error) });
    throw chatFailure(error, traceId);
  }
  // A new conversation exists only now: named earlier, a failed save would leave the root
  // pointing at a rolled-back row (which the span store refuses).
  if (conversation.id === null) traceService.update(root, { conversationId: saved.conversationId });

  return {
    traceId,
    run: () =>
      runWithSpan(root, () =>
        answer(database, {
          ...options,
          provider,
          model,
          tools,
          history: conversation.history,
          root,
          traceId,
          conversationId: saved.conversationId,
          userMessageId: saved.messageId,
        }),
      ),
  };
}

/** How the request ended, for the root span. */
interface Outcome {
  status: 'completed' | 'failed' | 'cancelled';
  endTime: Date;
  errorMessage?: string;
  /** The assistant's message, or the user's when no answer was saved. */
  messageId: string;
}

async function answer(
  database: Database,
  ctx: RunChatOptions & {
    provider: ProviderName;
    model: string;
    tools: ReturnType<typeof toolDefinitions>;
    history: ChatMessage[];
    root: TraceContext;
    traceId: string | null;
    conversationId: string;
    userMessageId: string;
  },
): Promise<ChatResult> {
  const { principal, body, signal, onEvent, root } = ctx;
  const totals: Totals = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0, costUsd: 0, estimated: false, rounds: 0, model: ctx.model };
  const toolCalls: ChatResult['toolCalls'] = [];
  const messages = [...ctx.history];
  let finalContent = '';
  let retrieved = 0;
  // Replaced on every path that knows better; the `finally` below ends the root with it.
  let outcome: Outcome = { status: 'failed', endTime: new Date(), errorMessage: 'The chat ended unexpectedly.', messageId: ctx.userMessageId };

  const latencyUntil = (endTime: Date) => endTime.getTime() - root.startTime.getTime();
  const usage = () => ({ inputTokens: totals.inputTokens, outputTokens: totals.outputTokens, totalTokens: totals.inputTokens + totals.outputTokens });
  const costUsd = () => (totals.rounds === 0 ? null : totals.costUsd);
  const saveAnswer = async (endTime: Date, cancelled: boolean) =>
    insertMessage(database, {
      conversationId: ctx.conversationId,
      userId: principal.userId,
      role: 'assistant',
      content: await maskMessageText(database, { userId: principal.userId, text: finalContent }),
      // The root's duration and the message's latency are measured over the same interval.
      latencyMs: latencyUntil(endTime),
      inputTokens: totals.inputTokens,
      outputTokens: totals.outputTokens,
      costUsd: costUsd(),
      modelName: totals.model,
      modelProvider: ctx.provider,
      traceId: ctx.traceId,
      metadata: {
        rounds: totals.rounds,
        tool_calls: toolCalls.map((t) => t.name),
        retrieved_passages: retrieved,
        ...(totals.estimated ? { usage_estimated: true } : {}),
        ...(cancelled ? { cancelled: true } : {}),
      },
    });

  try {
    if (body.knowledgeBase) {
      const passages = await retrieveContext(database, { userId: principal.userId, query: messages[messages.length - 1].content });
      retrieved = passages.length;
      if (passages.length) {
        const context = passages.map((p, i) => `[${i + 1}] ${p.title}\n${p.snippet}`).join('\n\n');
        messages.splice(messages.length - 1, 0, {
          role: 'system',
          content: `Answer using these passages from the user's knowledge base when relevant, citing them as [n]:\n\n${context}`,
        });
      }
    }
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const lastRound = round === MAX_ROUNDS - 1;
      const reply = await callModel({
        provider: ctx.provider,
        model: ctx.model,
        messages,
        tools: lastRound || ctx.tools.length === 0 ? undefined : ctx.tools,
        stream: body.stream,
        signal,
        onDelta: (text) => {
          finalContent += text;
          onEvent?.({ type: 'delta', text });
        },
      });
      addRound(totals, reply);
      if (!body.stream) finalContent += reply.content;
      if (reply.toolCalls.length === 0) break;
      if (finalContent && !finalContent.endsWith('\n')) {
        finalContent += '\n\n';
        onEvent?.({ type: 'delta', text: '\n\n' });
      }
      messages.push({ role: 'assistant', content: reply.content, toolCalls: reply.toolCalls });
      const results = await Promise.all(reply.toolCalls.map((call) => executeTool(call, { signal, userId: principal.userId })));
      results.forEach((result, i) => {
        const call = reply.toolCalls[i];
        toolCalls.push({ name: call.name, arguments: call.arguments, result: result.content, ok: result.ok });
        onEvent?.({ type: 'tool', name: call.name, arguments: call.arguments, result: result.content });
        messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: result.content });
      });
    }
    const endTime = new Date();
    const assistant = await saveAnswer(endTime, false);
    outcome = { status: 'completed', endTime, messageId: assistant.id };
    return {
      conversationId: ctx.conversationId,
      messageId: assistant.id,
      traceId: ctx.traceId,
      content: finalContent,
      provider: ctx.provider,
      model: totals.model,
      usage: usage(),
      costUsd: costUsd(),
      latencyMs: latencyUntil(endTime),
      toolCalls,
    };
  } catch (error) {
    const endTime = new Date();
    if (isAbortError(error, signal)) {
      outcome = { status: 'cancelled', endTime, errorMessage: 'The client disconnected before the answer finished.', messageId: ctx.userMessageId };
      // The partial answer is kept, marked cancelled, and the trace points at it.
      try {
        outcome.messageId = (await saveAnswer(endTime, true)).id;
      } catch (saveError) {
        console.warn('[llmtrace] could not save a cancelled chat:', saveError);
      }
      throw new ApiError('bad_request', 'The request was cancelled.', { extra: { traceId: ctx.traceId } });
    }
    outcome = { status: 'failed', endTime, errorMessage: failureMessage(error), messageId: ctx.userMessageId };
    throw chatFailure(error, ctx.traceId);
  } finally {
    const result: TraceResult = {
      ...outcome,
      modelName: totals.model,
      modelProvider: ctx.provider,
      ...usage(),
      cachedInputTokens: totals.cachedInputTokens || undefined,
      reasoningTokens: totals.reasoningTokens || undefined,
      costUsd: costUsd(),
      outputData: { content: finalContent, toolCalls: toolCalls.map(({ name, arguments: args, ok }) => ({ name, arguments: args, ok })) },
      metadata: { rounds: totals.rounds, ...(totals.estimated ? { usage_estimated: true } : {}) },
    };
    await traceService.endTrace(root, result);
  }
}
