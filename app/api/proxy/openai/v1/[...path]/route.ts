import { otherMethods } from '@/lib/http/route';
import { openaiDialect } from '@/lib/proxy/openai';
import { proxyRoute } from '@/lib/proxy/forward';

export const dynamic = 'force-dynamic';

/**
 * The OpenAI-compatible proxy: base URL for OpenAI SDKs. `/chat/completions`, `/responses` and
 * `/embeddings` are traced; every other path is forwarded untraced. See docs/proxy.md.
 */
const proxy = proxyRoute(openaiDialect);

export const GET = proxy;
export const POST = proxy;
export const PUT = proxy;
export const PATCH = proxy;
export const DELETE = proxy;
export const { OPTIONS } = otherMethods('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
