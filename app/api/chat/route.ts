import { prepareChat } from '@/lib/chat/pipeline';
import { ChatRequestBody } from '@/lib/chat/schema';
import { chatEventStream } from '@/lib/chat/sse';
import { parseJsonBody } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

export const POST = authenticated(
  async ({ request, database, principal }) => {
    const body = await parseJsonBody(request, ChatRequestBody);
    if (body.stream) {
      return chatEventStream((emit, signal) => prepareChat(database, { principal, body, signal, onEvent: emit }), request.signal);
    }
    const prepared = await prepareChat(database, { principal, body, signal: request.signal });
    const result = await prepared.run();
    return Response.json(result, { headers: result.traceId ? { 'x-trace-id': result.traceId } : {} });
  },
  { allowChatScope: true },
);

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
