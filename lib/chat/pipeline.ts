import 'server-only';
import type { Principal } from '@/lib/auth/accounts';
import { llmConfig } from '@/lib/config/llm.config';
import type { Database } from '@/lib/db/client';
import { findConversation, insertConversation, insertMessage, listConversationMessages } from '@/lib/db/queries/chat';
import { ApiError } from '@/lib/http/errors';
import { CancelledError, ProviderError, isAbortError } from '@/lib/llm/errors';
import type { ChatMessage, ModelResponse, ProviderName } from '@/lib/llm/types';
import { callModel } from '@/lib/llm/unified-client';
import { executeTool, toolDefinitions } from '@/lib/tools';
import { isRecording, runWithSpan, traceService, type TraceContext } from '@/lib/tracing';
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

/**
 * The chat pipeline behind `POST /api/chat`: one request = one trace (DESIGN.md §3).
 *
 * Saves the user's message, runs optional knowledge-base retrieval, then the model in rounds with
 * native tool calls, saves the assistant's message, and ends the `llm.completion` root with the
 * request's totals and the message's id. Every model round is an `llm.call` span and every tool
 * run a `tool.<name>` span (both made by `lib/llm` and `lib/tools`). The root and the message
 * share tokens, cost and one measured interval.
 */
export async function prepareChat(database: Database, options: RunChatOptions): Promise<PreparedChat> {
  const { principal, body } = options;
  const { provider, model } = resolveModel(body);
  const tools = toolDefinitions(body.tools);
  const unknownTools = body.tools.filter((name) => !tools.some((t) => t.name === name));
  if (unknownTools.length) {
    throw new ApiError('validation_failed', `Unknown or unavailable tools: ${unknownTools.join(', ')}.`, { details: [{ path: 'tools', message: `unavailable: ${unknownTools.join(', ')}` }] });
  }

  const lastUser = body.messages[body.messages.length - 1];
  let conversation = body.conversationId ? await findConversation(database, { userId: principal.userId, conversationId: body.conversationId }) : null;
  if (body.conversationId && !conversation) throw new ApiError('not_found', 'No conversation with that id.');
  let history: ChatMessage[];
  if (conversation) {
    // A continued conversation: the stored turns, plus any system prompt the client sends.
    const stored = await listConversationMessages(database, { userId: principal.userId, conversationId: conversation.id });
    history = [
      ...body.messages.filter((m) => m.role === 'system').map((m) => ({ role: 'system' as const, content: m.content })),
      ...stored.filter((m) => m.role === 'user' || m.role === 'assistant').map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })),
      { role: 'user', content: lastUser.content },
    ];
  } else {
    const source = principal.via === 'session' ? 'app' : principal.scope === 'chat' ? 'widget' : 'api';
    conversation = await insertConversation(database, { userId: principal.userId, title: titleFrom(lastUser.content), source });
    history = body.messages.map((m) => ({ role: m.role, content: m.content }));
  }

  const root = await traceService.startTrace({
    spanName: 'llm.completion',
    operationType: 'llm_call',
    userId: principal.userId,
    conversationId: conversation.id,
    modelName: model,
    modelProvider: provider,
    inputData: { messages: history, tools: body.tools, knowledgeBase: body.knowledgeBase },
    metadata: { stream: body.stream, source: conversation.source },
  });
  // Not recording (tracing off, or the service already shut down): the message gets no trace id.
  const traceId = isRecording(root) ? root.traceId : null;
  const userMessage = await insertMessage(database, {
    conversationId: conversation.id,
    userId: principal.userId,
    role: 'user',
    content: lastUser.content,
    traceId,
  });
  const conversationId = conversation.id;

  return {
    traceId,
    run: () =>
      runWithSpan(root, () =>
        answer(database, { ...options, provider, model, tools, history, root, traceId, conversationId, userMessageId: userMessage.id }),
      ),
  };
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

  const finish = async (status: 'completed' | 'failed' | 'cancelled', errorMessage?: string) => {
    const endTime = new Date();
    const latencyMs = endTime.getTime() - root.startTime.getTime();
    const usage = { inputTokens: totals.inputTokens, outputTokens: totals.outputTokens, totalTokens: totals.inputTokens + totals.outputTokens };
    const costUsd = totals.rounds === 0 ? null : totals.costUsd;
    let messageId = ctx.userMessageId;
    if (status !== 'failed') {
      const assistant = await insertMessage(database, {
        conversationId: ctx.conversationId,
        userId: principal.userId,
        role: 'assistant',
        content: finalContent,
        latencyMs,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        costUsd,
        modelName: totals.model,
        modelProvider: ctx.provider,
        traceId: ctx.traceId,
        metadata: {
          rounds: totals.rounds,
          tool_calls: toolCalls.map((t) => t.name),
          retrieved_passages: retrieved,
          ...(totals.estimated ? { usage_estimated: true } : {}),
          ...(status === 'cancelled' ? { cancelled: true } : {}),
        },
      });
      messageId = assistant.id;
    }
    await traceService.endTrace(root, {
      endTime,
      status,
      errorMessage,
      messageId,
      modelName: totals.model,
      modelProvider: ctx.provider,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      totalTokens: usage.totalTokens,
      cachedInputTokens: totals.cachedInputTokens || undefined,
      reasoningTokens: totals.reasoningTokens || undefined,
      costUsd,
      outputData: { content: finalContent, toolCalls: toolCalls.map(({ name, arguments: args, ok }) => ({ name, arguments: args, ok })) },
      metadata: { rounds: totals.rounds, ...(totals.estimated ? { usage_estimated: true } : {}) },
    });
    const result: ChatResult = {
      conversationId: ctx.conversationId,
      messageId,
      traceId: ctx.traceId,
      content: finalContent,
      provider: ctx.provider,
      model: totals.model,
      usage,
      costUsd,
      latencyMs,
      toolCalls,
    };
    return result;
  };

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
    return await finish('completed');
  } catch (error) {
    if (error instanceof CancelledError || isAbortError(error, signal)) {
      await finish('cancelled', 'The client disconnected before the answer finished.').catch((e) => console.warn('[llmtrace] could not save a cancelled chat:', e));
      throw new ApiError('bad_request', 'The request was cancelled.', { extra: { traceId: ctx.traceId } });
    }
    const message = error instanceof ProviderError ? `${error.provider} failed: ${error.message}` : (error as Error)?.message ?? String(error);
    await finish('failed', message).catch((e) => console.warn('[llmtrace] could not record a failed chat:', e));
    if (error instanceof ProviderError) {
      throw new ApiError('provider_error', `The model provider failed: ${error.message}`, { extra: { traceId: ctx.traceId, provider: error.provider } });
    }
    throw error;
  }
}
