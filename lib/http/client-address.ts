import 'server-only';
import { AsyncLocalStorage } from 'node:async_hooks';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIPv4, isIPv6 } from 'node:net';
import { readAppConfig } from '@/lib/config/app.config';

/**
 * Who sent a request, for sign-in throttling and the origin check.
 *
 * Next.js hands route handlers a `Request` without the socket, and fills `X-Forwarded-For` only
 * when the client did not send one, so that header is the client's word. The socket's address is
 * therefore captured where the server receives the request ({@link capturePeerAddresses}, at boot)
 * and carried to the handler in an AsyncLocalStorage. Forwarded headers count only when
 * `TRUST_PROXY` says a proxy in front of us writes them.
 */

type PeerStore = AsyncLocalStorage<string>;
// On globalThis: the boot code and every route bundle must share one store.
const STORE_KEY = Symbol.for('llmtrace.peerAddress');
const INSTALLED_KEY = Symbol.for('llmtrace.peerAddress.installed');
const globals = globalThis as Record<symbol, unknown>;
const peers = (globals[STORE_KEY] ??= new AsyncLocalStorage<string>()) as PeerStore;

/** The address every request shares when neither the socket nor a trusted proxy names one (in-process calls). */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * Makes every HTTP(S) server in this process record the connecting socket's address for the
 * request it is handling (the technique OpenTelemetry's http instrumentation uses). Idempotent.
 */
export function capturePeerAddresses(): void {
  if (globals[INSTALLED_KEY]) return;
  globals[INSTALLED_KEY] = true;
  for (const proto of [http.Server.prototype, https.Server.prototype] as Array<{ emit: (event: string | symbol, ...args: unknown[]) => boolean }>) {
    const emit = proto.emit;
    proto.emit = function emitWithPeer(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
      const address = event === 'request' ? (args[0] as IncomingMessage | undefined)?.socket?.remoteAddress : undefined;
      return address ? peers.run(address, () => emit.call(this, event, ...args)) : emit.call(this, event, ...args);
    };
  }
}

/** Runs `fn` as if its requests came from a socket at `address` (tests, scripts). */
export function withPeerAddress<T>(address: string, fn: () => T): T {
  return peers.run(address, fn);
}

/**
 * The client's address: with `TRUST_PROXY=N`, the `X-Forwarded-For` entry the outermost trusted
 * proxy appended (the Nth from the right); otherwise the socket's address. IPv6 addresses are cut
 * to their /64, the block one subscriber usually holds.
 */
export function clientAddress(request: Request, trustProxy = readAppConfig().trustProxy): string {
  const forwarded = trustProxy > 0 ? forwardedEntry(request.headers.get('x-forwarded-for'), trustProxy) : undefined;
  return normalizeAddress(forwarded ?? peers.getStore() ?? UNKNOWN_ADDRESS);
}

/** The host the browser addressed: `X-Forwarded-Host` from a trusted proxy, else `Host`. */
export function requestHost(request: Request, trustProxy = readAppConfig().trustProxy): string {
  const forwarded = trustProxy > 0 ? forwardedEntry(request.headers.get('x-forwarded-host'), trustProxy) : undefined;
  return (forwarded ?? request.headers.get('host') ?? new URL(request.url).host).toLowerCase();
}

/**
 * Proxies append to forwarded lists, so the entries a client wrote itself come first. With `hops`
 * trusted proxies the entry written by the outermost one is `hops` from the right.
 */
function forwardedEntry(header: string | null, hops: number): string | undefined {
  const entries = (header ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  return entries.length > 0 ? entries[Math.max(0, entries.length - hops)] : undefined;
}

export function normalizeAddress(raw: string): string {
  let address = raw.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  if (address.startsWith('::ffff:') && isIPv4(address.slice(7))) return address.slice(7);
  if (isIPv6(address)) return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
  return address.slice(0, 100);
}

function ipv6Groups(address: string): string[] {
  const [head, tail] = address.split('%')[0]!.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups.map((group) => group.replace(/^0+(?=.)/, ''));
}
