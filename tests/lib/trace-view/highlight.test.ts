import { describe, expect, it } from 'vitest';
import { containsMatch, firstMatchEnd, highlightParts } from '@/lib/trace-view/highlight';

const marked = (text: string, query: string) =>
  highlightParts(text, query)
    .map((part) => (part.match ? `[${part.text}]` : part.text))
    .join('');

describe('highlightParts', () => {
  it('cuts a text into its matches and the rest, case-insensitively, and joins back to the text', () => {
    expect(highlightParts('Refund or refund?', 'REFUND')).toEqual([
      { text: 'Refund', match: true },
      { text: ' or ', match: false },
      { text: 'refund', match: true },
      { text: '?', match: false },
    ]);
    for (const [text, query] of [
      ['Refund or refund?', 'refund'],
      ['aaaa', 'aa'],
      ['no match here', 'zzz'],
      ['', 'x'],
    ]) {
      expect(highlightParts(text!, query!).map((part) => part.text).join('')).toBe(text);
    }
    expect(marked('aaaa', 'aa')).toBe('[aa][aa]');
    expect(marked('a match at the end', 'end')).toBe('a match at the [end]');
  });

  it('finds identifiers and pattern characters literally', () => {
    expect(marked('Where is order #4411? Not #44110.', 'order #4411')).toBe('Where is [order #4411]? Not #44110.');
    expect(marked('ERR_TIMEOUT, ERRXTIMEOUT', 'err_timeout')).toBe('[ERR_TIMEOUT], ERRXTIMEOUT');
    expect(marked('100% sure, 1000 sure', '100%')).toBe('[100%] sure, 1000 sure');
    expect(marked('a.b axb', 'a.b')).toBe('[a.b] axb');
    expect(marked('(x+y)*[z]{2}|^$ and x', '(x+y)*[z]{2}|^$')).toBe('[(x+y)*[z]{2}|^$] and x');
    expect(marked('C:\\temp\\a and C:tempa', 'C:\\temp\\')).toBe('[C:\\temp\\]a and C:tempa');
    expect(marked('say "hi" / a-b', '"hi" / a-b')).toBe('say ["hi" / a-b]');
  });

  it('works in every script, with Unicode case folding', () => {
    expect(marked('您的订单已经退款，请查收。', '退款')).toBe('您的订单已经[退款]，请查收。');
    expect(marked('注文番号は4411です。', '注文番号')).toBe('[注文番号]は4411です。');
    expect(marked('Возврат средств оформлен. возврат', 'ВОЗВРАТ')).toBe('[Возврат] средств оформлен. [возврат]');
    expect(marked('أريد استرداد المبلغ', 'استرداد')).toBe('أريد [استرداد] المبلغ');
    expect(marked('Ünïcödé ÜNÏCÖDÉ', 'ünïcödé')).toBe('[Ünïcödé] [ÜNÏCÖDÉ]');
    expect(marked('emoji 😀 here', '😀')).toBe('emoji [😀] here');
  });

  it('marks nothing for an empty or blank query, and trims the query', () => {
    expect(highlightParts('text', '')).toEqual([{ text: 'text', match: false }]);
    expect(highlightParts('text', '   ')).toEqual([{ text: 'text', match: false }]);
    expect(marked('a refund', '  refund ')).toBe('a [refund]');
  });

  it('treats markup as text: it is cut like any other text, never interpreted', () => {
    const parts = highlightParts('<img src=x onerror=alert(1)> refund <b>', 'refund');
    expect(parts.map((part) => part.text)).toEqual(['<img src=x onerror=alert(1)> ', 'refund', ' <b>']);
  });
});

describe('firstMatchEnd and containsMatch', () => {
  it('says where the first match ends, or -1', () => {
    expect(firstMatchEnd('abc REFUND def', 'refund')).toBe(10);
    expect(firstMatchEnd('abc', 'refund')).toBe(-1);
    expect(firstMatchEnd('abc', '')).toBe(-1);
  });

  it('looks into the strings and numbers of a JSON value, not its keys', () => {
    const value = { messages: [{ role: 'user', content: [{ type: 'text', text: 'Where is my Refund?' }] }], order: 4411 };
    expect(containsMatch(value, 'refund')).toBe(true);
    expect(containsMatch(value, '4411')).toBe(true);
    expect(containsMatch(value, 'messages')).toBe(false);
    expect(containsMatch(value, 'absent')).toBe(false);
    expect(containsMatch(null, 'x')).toBe(false);
    expect(containsMatch('plain string', 'STRING')).toBe(true);
  });
});
