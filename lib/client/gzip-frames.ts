/**
 * The reading side of `gzipFramesResponse` (`lib/http/compress.ts`): a body that is a series of
 * gzip files, each preceded by its length in bytes (4 bytes, big-endian). Each is unzipped
 * (`DecompressionStream`, in browsers and Node) and handed over as text as soon as it has arrived,
 * while the next is still on its way, in order. Web APIs only, so it runs in the browser.
 */

/** The media type of such a body. */
export const GZIP_FRAMES_TYPE = 'application/vnd.llmtrace.gzip-frames';

async function gunzipText(bytes: Uint8Array): Promise<string> {
  return new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
}

/**
 * Reads every frame of `body`, calling `onText` with each one's unzipped text in order; resolves
 * once the last has been handled. A body cut inside a frame, or a frame that does not unzip, rejects.
 */
export async function readGzipFrames(body: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<void> {
  const reader = body.getReader();
  const pending: Uint8Array[] = [];
  let pendingLength = 0;
  /** The first `n` bytes received and not yet taken (at most `pendingLength`). */
  const take = (n: number): Uint8Array => {
    const bytes = new Uint8Array(n);
    for (let at = 0; at < n; ) {
      const chunk = pending[0]!;
      const count = Math.min(chunk.length, n - at);
      bytes.set(chunk.subarray(0, count), at);
      at += count;
      if (count === chunk.length) pending.shift();
      else pending[0] = chunk.subarray(count);
    }
    pendingLength -= n;
    return bytes;
  };
  let size = -1; // of the frame being received, once its length has arrived
  // Frames are unzipped one after another, while reading goes on.
  let handled: Promise<void> = Promise.resolve();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending.push(value);
    pendingLength += value.length;
    for (;;) {
      if (size < 0) {
        if (pendingLength < 4) break;
        const head = take(4);
        size = new DataView(head.buffer).getUint32(0);
      }
      if (pendingLength < size) break;
      const frame = take(size);
      size = -1;
      handled = handled.then(async () => onText(await gunzipText(frame)));
      // A frame that does not unzip ends the read (below): reading on would be wasted.
      handled.catch(() => reader.cancel().catch(() => {}));
    }
  }
  await handled;
  if (size >= 0 || pendingLength > 0) throw new Error('The response ended inside a frame.');
}
