/**
 * Reading the `/api/chat` event stream (the encoder is `lib/chat/sse.ts`). Plain functions with no
 * runtime of their own: the playground, `npm run demo` and the tests all parse with them.
 */

/** One Server-Sent Events block: its `event:` name and its `data:` lines joined by newlines. */
export function parseSseBlock(block: string): { event: string; data: string } | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length > 0 ? { event, data: data.join('\n') } : null;
}

/** Splits a growing SSE text buffer into complete blocks and the unfinished rest. */
export function splitSseBuffer(buffer: string): { blocks: string[]; rest: string } {
  const parts = buffer.split(/\r?\n\r?\n/);
  const rest = parts.pop() ?? '';
  return { blocks: parts, rest };
}

/** Every event of a complete SSE body, with its data parsed as JSON. */
export function parseSseText(text: string): Array<{ event: string; data: unknown }> {
  const { blocks } = splitSseBuffer(`${text}\n\n`);
  return blocks.flatMap((block) => {
    const parsed = parseSseBlock(block);
    return parsed ? [{ event: parsed.event, data: JSON.parse(parsed.data) as unknown }] : [];
  });
}
