import { otherMethods } from '@/lib/http/route';
import { anthropicDialect } from '@/lib/proxy/anthropic';
import { proxyRoute } from '@/lib/proxy/forward';

export const dynamic = 'force-dynamic';

/**
 * The Anthropic-compatible proxy: base URL for Anthropic SDKs, which append `/v1/messages`
 * (traced); every other path is forwarded untraced. See docs/proxy.md.
 */
const proxy = proxyRoute(anthropicDialect);

export const GET = proxy;
export const POST = proxy;
export const PUT = proxy;
export const PATCH = proxy;
export const DELETE = proxy;
export const { OPTIONS } = otherMethods('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
