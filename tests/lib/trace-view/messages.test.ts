import { describe, expect, it } from 'vitest';
import { extractChatMessages } from '@/lib/trace-view/messages';

describe('extractChatMessages', () => {
  it('reads an array of messages and {messages}', () => {
    const messages = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'x' } }] },
    ];
    expect(extractChatMessages(messages)).toEqual([
      { role: 'system', parts: [{ text: 'be brief' }] },
      { role: 'user', parts: [{ text: 'hi' }, { other: { type: 'image_url', image_url: { url: 'x' } } }] },
    ]);
    expect(extractChatMessages({ messages, model: 'x' })).toHaveLength(2);
  });

  it('reads a single assistant message with tool calls and a top-level system prompt', () => {
    const out = extractChatMessages({ role: 'assistant', content: null, tool_calls: [{ id: 'c1' }] });
    expect(out).toEqual([{ role: 'assistant', parts: [], toolCalls: [{ id: 'c1' }] }]);
    const anthropic = extractChatMessages({ system: 'sys', messages: [{ role: 'user', content: 'q' }] });
    expect(anthropic?.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('rejects anything that is not a conversation', () => {
    for (const value of [null, 'text', 42, [], [1, 2], [{ role: 'user' }], { query: 'x' }, { messages: [{ content: 'x' }] }]) {
      expect(extractChatMessages(value)).toBeNull();
    }
  });
});
