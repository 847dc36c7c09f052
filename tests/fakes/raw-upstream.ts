/**
 * An upstream that answers with exact, scripted bytes in exact pieces: for checking that the proxy
 * hands a client precisely what the provider sent (awkward chunk boundaries, CRLF line ends,
 * multi-byte characters split across writes), and that it forwards each piece as it arrives.
 *
 * @example
 * const raw = await startRawUpstream();
 * raw.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, pieces: ['data: {"a":', '1}\n\n'] });
 */
import { startFakeServer, type FakeServer } from './fake-server';

export interface RawScript {
  status: number;
  headers: Record<string, string | string[]>;
  /** Written one by one, each flushed on its own. */
  pieces: Array<string | Uint8Array>;
  /** Before writing piece `i` (i ≥ 1), waits for `gates[i - 1]` when given: the test opens it. */
  gates?: Array<Promise<void>>;
}

export type RawUpstream = FakeServer<RawScript>;

export function startRawUpstream(): Promise<RawUpstream> {
  return startFakeServer<RawScript>(async (script, _request, response, clientGone) => {
    response.writeHead(script.status, script.headers);
    response.flushHeaders();
    for (const [index, piece] of script.pieces.entries()) {
      const gate = index > 0 ? script.gates?.[index - 1] : undefined;
      if (gate) await Promise.race([gate, clientGone]);
      if (response.destroyed) return;
      response.write(piece);
    }
    response.end();
  });
}

/** A promise with its resolve function, to open a gate from the test. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
