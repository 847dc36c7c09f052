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

  it('reads the next part while the one before is sent, and no further ahead', async () => {
    // Each part's read waits until the test lets it finish, so what has been asked for is visible.
    const asked: number[] = [];
    const finish: Array<() => void> = [];
    const parts = [0, 1, 2, 3].map((i) => () => {
      asked.push(i);
      return new Promise<string | null>((resolve) => finish.push(() => resolve(i === 2 ? null : `part ${i}`)));
    });
    const seen: string[] = [];
    const reading = readGzipFrames(gzipFramesResponse(parts).body!, (text) => seen.push(text));
    const until = async (done: () => boolean) => {
      for (const deadline = Date.now() + 5000; !done(); ) {
        if (Date.now() > deadline) throw new Error(`waited in vain: asked ${asked}, seen ${seen}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    await until(() => asked.length === 2);
    await settle();
    expect(asked).toEqual([0, 1]); // the first part, and the next one ahead of it
    finish[0]!();
    await until(() => seen.length === 1 && asked.length === 3);
    await settle();
    expect(seen).toEqual(['part 0']);
    expect(asked).toEqual([0, 1, 2]); // part 1 is awaited, part 2 read ahead, part 3 not yet
    finish[2]!(); // the part ahead finishing first is not sent before the one it follows
    await settle();
    expect(seen).toEqual(['part 0']);
    finish[1]!();
    await until(() => asked.length === 4);
    finish[3]!();
    await reading;
    expect(seen).toEqual(['part 0', 'part 1', 'part 3']);
  });
});
