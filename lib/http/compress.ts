import 'server-only';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { GZIP_FRAMES_TYPE } from '@/lib/client/gzip-frames';

const gzip = promisify(zlib.gzip);

/**
 * A large text body as a gzip file (`content-type: application/gzip`), compressed here at level 1,
 * for a client that asked for it and unzips it itself (`DecompressionStream('gzip')` in a browser).
 *
 * Why not `Content-Encoding`: Next.js (16) drops a route's `Content-Encoding` and compresses every
 * response itself, with gzip at level 6, streamed, on the server's thread. For a big trace's outline
 * (11.6 MB of JSON) that took 220 ms quiet and 300–400 ms on a loaded 2-core machine, on the
 * trace page's critical path. Level 1 takes ~45 ms, in zlib's thread pool rather than the event
 * loop, for 1.55 MB instead of 1.22 MB. `no-transform` keeps Next.js from compressing it again.
 */
export async function gzipFileResponse(text: string, headers: Record<string, string> = {}): Promise<Response> {
  const encoded = await gzip(Buffer.from(text), { level: 1 });
  return new Response(new Uint8Array(encoded), {
    headers: { ...headers, 'content-type': 'application/gzip', 'content-length': String(encoded.length), 'cache-control': 'no-store, no-transform' },
  });
}

/**
 * Texts as a stream of gzip files, each compressed at level 1 as soon as it is given and preceded
 * by its length in bytes (4 bytes, big-endian): `application/vnd.llmtrace.gzip-frames`, read by
 * `readGzipFrames` (`lib/client/gzip-frames.ts`). A client unzips and uses each text while the
 * next is still being made. `parts` are called in turn, each as soon as the one before it has
 * been given (before it is zipped and sent); a null text is skipped.
 *
 * Reading one part ahead keeps the database busy while this process zips and sends the part
 * before: a big trace's outline (eight parts, each ~50 ms of PGlite on its own thread and ~10 ms
 * here) arrives that much sooner. One part ahead, not all: at most two parts are held here.
 */
export function gzipFramesResponse(parts: ReadonlyArray<() => Promise<string | null>>, headers: Record<string, string> = {}): Response {
  let next = 0;
  let ahead: Promise<string | null> | null = null;
  const read = (): Promise<string | null> | null => {
    if (next >= parts.length) return null;
    const text = parts[next++]!();
    // Awaited in turn by pull(); a read left ahead when the client goes away fails unobserved.
    text.catch(() => {});
    return text;
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const current = ahead ?? read();
        if (!current) return controller.close();
        ahead = read();
        const text = await current;
        if (text === null) continue;
        const encoded = await gzip(Buffer.from(text), { level: 1 });
        const frame = new Uint8Array(4 + encoded.length);
        new DataView(frame.buffer).setUint32(0, encoded.length);
        frame.set(encoded, 4);
        controller.enqueue(frame);
        return;
      }
    },
  });
  return new Response(body, { headers: { ...headers, 'content-type': GZIP_FRAMES_TYPE, 'cache-control': 'no-store, no-transform' } });
}
