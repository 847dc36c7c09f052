import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipFramesResponse } from '@/lib/http/compress';
import { GZIP_FRAMES_TYPE, readGzipFrames } from '@/lib/client/gzip-frames';

/** A body that hands over `bytes` in chunks of `size` bytes, as a network might. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

const frame = (text: string) => {
  const zipped = zlib.gzipSync(text);
  const bytes = new Uint8Array(4 + zipped.length);
  new DataView(bytes.buffer).setUint32(0, zipped.length);
  bytes.set(zipped, 4);
  return bytes;
};

const readAll = async (body: ReadableStream<Uint8Array>) => {
  const texts: string[] = [];
  await readGzipFrames(body, (text) => texts.push(text));
  return texts;
};

describe('gzip frames', () => {
  it('round-trips texts in order, skipping null parts, whatever the chunks the body arrives in', async () => {
    const texts = ['{"part":1}', 'ü'.repeat(50_000), '', JSON.stringify({ ids: Array.from({ length: 5000 }, (_, i) => i.toString(16)) })];
    const parts = [...texts.slice(0, 2), null, ...texts.slice(2)].map((text) => async () => text);
    const response = gzipFramesResponse(parts);
    expect(response.headers.get('content-type')).toBe(GZIP_FRAMES_TYPE);
    expect(response.headers.get('cache-control')).toContain('no-transform');
    const body = new Uint8Array(await response.arrayBuffer());
    for (const size of [1, 3, 4, 7, 4096, body.length]) expect(await readAll(chunked(body, size)), `chunks of ${size}`).toEqual(texts);
  });

  it('rejects a body cut inside a frame, and a frame that does not unzip', async () => {
    const whole = new Uint8Array([...frame('first'), ...frame('second')]);
    await expect(readAll(chunked(whole.slice(0, whole.length - 3), 5))).rejects.toThrow(/ended inside a frame/);
    await expect(readAll(chunked(whole.slice(0, 2), 5))).rejects.toThrow(/ended inside a frame/);
    const broken = frame('third');
    broken[broken.length - 6]! ^= 0xff; // its checksum
    await expect(readAll(chunked(new Uint8Array([...frame('first'), ...broken]), 5))).rejects.toThrow();
  });

  it('hands a frame over before the next has arrived', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(frame('early'));
        await held;
        controller.enqueue(frame('late'));
        controller.close();
      },
    });
    const reading = readGzipFrames(body, (text) => {
      seen.push(text);
      if (text === 'early') release();
    });
    await reading;
    expect(seen).toEqual(['early', 'late']);
  });
});
