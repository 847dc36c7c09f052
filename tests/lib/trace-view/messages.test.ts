import { describe, expect, it } from 'vitest';
import { formatCost, formatCount, formatTimestamp } from '@/lib/trace-view/format';
import { extractChatMessages } from '@/lib/trace-view/messages';

describe('formatCost', () => {
  it('says unpriced for a null cost and never shows a made-up zero', () => {
    expect(formatCost(null)).toBe('unpriced');
    expect(formatCost(undefined)).toBe('unpriced');
    expect(formatCost(Number.NaN)).toBe('unpriced');
  });

  it('keeps about three significant digits for small amounts', () => {
    expect(formatCost(0)).toBe('$0.00');
    expect(formatCost(1234.5)).toBe('$1,234.50');
    expect(formatCost(0.0123)).toBe('$0.0123');
    expect(formatCost(0.000483)).toBe('$0.000483');
  });
});

describe('formatCount and formatTimestamp', () => {
  it('groups thousands and dashes missing values', () => {
    expect(formatCount(12345)).toBe('12,345');
    expect(formatCount(null)).toBe('—');
    expect(formatTimestamp(Number.NaN)).toBe('—');
    expect(formatTimestamp(Date.parse('2025-01-15T10:30:00.123Z'))).toMatch(/^2025-01-1\d \d\d:\d\d:00\.123$/);
  });
});

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
