/**
 * Plumbing shared by the fake provider servers: a local HTTP server on 127.0.0.1:0 that answers
 * each request with the next scripted reply, records what it received, and notices when a client
 * hangs up before the response is complete (an abort).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body, parsed (undefined when empty or not JSON). */
  body: any;
}

export interface FakeServer<Script> {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Requests received so far, in order. */
  readonly requests: RecordedRequest[];
  /** Responses the client abandoned before they were complete. */
  readonly abortedResponses: number;
  /** Queues replies; each request takes the next one. */
  enqueue(...scripts: Script[]): void;
  /** Replies not used yet. */
  pending(): number;
  /** Resolves when a client hangs up on an unfinished response (rejects after `timeoutMs`). */
  waitForClientAbort(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export type ScriptHandler<Script> = (
  script: Script,
  request: RecordedRequest,
  response: ServerResponse,
  clientGone: Promise<void>,
) => Promise<void> | void;

export async function startFakeServer<Script>(handle: ScriptHandler<Script>): Promise<FakeServer<Script>> {
  const queue: Script[] = [];
  const requests: RecordedRequest[] = [];
  let abortedResponses = 0;
  let abortWaiters: Array<() => void> = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
      requests.push(recorded);

      const clientGone = new Promise<void>((resolve) => {
        res.on('close', () => {
          if (!res.writableFinished) {
            abortedResponses++;
            const waiters = abortWaiters;
            abortWaiters = [];
            for (const wake of waiters) wake();
          }
          resolve();
        });
      });

      const script = queue.shift();
      if (script === undefined) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'fake_server_error', message: 'fake server: no scripted reply left for this request' } }));
        return;
      }
      Promise.resolve(handle(script, recorded, res, clientGone)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'fake_server_error', message: String(error) } }));
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    get abortedResponses() {
      return abortedResponses;
    },
    enqueue: (...scripts) => void queue.push(...scripts),
    pending: () => queue.length,
    waitForClientAbort(timeoutMs = 5000) {
      if (abortedResponses > 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no client abort observed')), timeoutMs);
        abortWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes one server-sent event (`event:` line only when given). */
export function writeEvent(response: ServerResponse, data: string, event?: string): void {
  response.write(`${event ? `event: ${event}\n` : ''}data: ${data}\n\n`);
}

/** Waits `ms`, or less if the client hung up. */
export function pause(ms: number, clientGone: Promise<void>): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void clientGone.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Splits text into word-sized pieces that keep their spaces: "a b" → ["a", " b"]. */
export function wordPieces(text: string): string[] {
  return text.match(/\s*\S+/g) ?? (text ? [text] : []);
}

/** Splits a string into `parts` roughly equal fragments (for streamed tool arguments). */
export function fragments(text: string, parts = 3): string[] {
  if (!text) return [''];
  const size = Math.max(1, Math.ceil(text.length / parts));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
