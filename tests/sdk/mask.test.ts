/**
 * Masking in the SDK (`@llmtrace/sdk/mask`): the server's detectors and custom patterns applied
 * before spans leave the app, with the server's `metadata.masked` counts; the function form; what
 * `captureContent: false` leaves; rules that cannot be used reported by `init()`, which then sends
 * nothing; text the SDK masked is neither masked nor counted again by the server; and the main
 * entry does not load the detectors' libraries.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InMemorySpanSink, init, observe, TraceService, traceService, type SpanRecord, type TracingConfig } from '@llmtrace/sdk';
import { checkMaskRules, createMasker, detect, DETECTORS, maskSpanFields, maskWith, REPLACEMENTS, type DetectorName, type MaskWithRules } from '@llmtrace/sdk/mask';
import { POST as postTraces } from '@/app/api/analytics/traces/route';
import { PUT as putPrivacy } from '@/app/api/settings/privacy/route';
import type { Database } from '@/lib/db/client';
import { setAppContext } from '@/lib/server/context';
import type { SpanRow } from '@/lib/trace-store/columns';
import { call, createTestUser } from '../support/api';
import { openTestDatabase } from '../support/databases';
import { startRouteServer, type RouteServer } from '../support/route-server';

const USER = '6f1c2a4e-0d6b-4e4b-9a55-1f3c1b7c9a01';

/** One value each detector must find. */
const SAMPLES: Record<DetectorName, string> = {
  email: 'ana@example.com',
  phone: '+44 20 7946 0958',
  card: '4111 1111 1111 1111',
  iban: 'DE89 3704 0044 0532 0130 00',
  ip: '192.168.1.20',
  secret: 'sk-proj-Zq7xW2vB9nM4kL1pR8tY3uE6iO0aS5dF',
};
const ALL = [...DETECTORS];

interface Content {
  inputData?: unknown;
  outputData?: unknown;
  errorMessage?: string;
  metadata?: Record<string, unknown>;
  spanName?: string;
}

/** The span one trace records through a tracer with this mask and content setting. */
async function recorded(config: Partial<TracingConfig>, content: Content): Promise<SpanRecord> {
  const sink = new InMemorySpanSink();
  const service = new TraceService({ sink, config });
  const span = await service.startTrace({
    spanName: content.spanName ?? 'llm.call',
    operationType: 'llm_call',
    userId: USER,
    inputData: content.inputData,
    metadata: content.metadata,
  });
  await service.endTrace(span, { outputData: content.outputData, errorMessage: content.errorMessage, status: content.errorMessage ? 'failed' : 'completed', inputTokens: 7 });
  await service.flush();
  const [only] = sink.spans();
  return only!;
}

const withRules = (rules: MaskWithRules, content: Content, extra: Record<string, unknown> = {}) => recorded({ mask: maskWith(rules), ...extra }, content);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('maskWith: the built-in detectors before spans leave the app', () => {
  it.each(ALL)('%s: masked in input, output, error and metadata at any depth, and counted', async (name) => {
    const value = SAMPLES[name];
    const span = await withRules(
      { detectors: [name] },
      {
        inputData: { messages: [{ role: 'user', content: `here: ${value}` }], deep: [[{ note: value }]] },
        outputData: `answer ${value}`,
        errorMessage: `failed for ${value}`,
        metadata: { who: value, nested: { list: [value] } },
      },
    );
    const token = REPLACEMENTS[name];
    expect(JSON.stringify(span)).not.toContain(value);
    expect(span.input_data).toEqual({ messages: [{ role: 'user', content: `here: ${token}` }], deep: [[{ note: token }]] });
    expect(span.output_data).toBe(`answer ${token}`);
    expect(span.error_message).toBe(`failed for ${token}`);
    expect(span.metadata).toEqual({ who: token, nested: { list: [token] }, masked: { [name]: 6 } });
    expect(span.input_tokens).toBe(7);
  });

  it('counts each rule once per replacement, masks keys, and runs custom patterns (RE2) after the detectors', async () => {
    const text = Object.values(SAMPLES).join(' | ');
    const span = await withRules(
      { detectors: ALL, custom: [{ pattern: 'ORD-\\d{6}', replacement: '[ORDER]' }, { pattern: '(?i)project falcon' }] },
      {
        inputData: { prompt: text, [SAMPLES.email]: 'key', orders: ['ORD-123456', 'ORD-654321'] },
        outputData: 'Project Falcon ships ORD-000001',
        metadata: { source: 'sdk', temperature: 0.2 },
      },
    );
    expect(span.input_data).toEqual({ prompt: '[EMAIL] | [PHONE] | [CARD] | [IBAN] | [IP] | [SECRET]', '[EMAIL]': 'key', orders: ['[ORDER]', '[ORDER]'] });
    expect(span.output_data).toBe('[REDACTED] ships [ORDER]');
    expect(span.metadata).toEqual({ source: 'sdk', temperature: 0.2, masked: { email: 2, phone: 1, card: 1, iban: 1, ip: 1, secret: 1, custom: 4 } });
  });

  it('masks span names only when asked, and leaves a span with nothing to mask as it was', async () => {
    expect((await withRules({ detectors: ['email'], spanNames: true }, { spanName: `mail ${SAMPLES.email}` })).span_name).toBe('mail [EMAIL]');
    expect((await withRules({ detectors: ['email'] }, { spanName: `mail ${SAMPLES.email}` })).span_name).toBe(`mail ${SAMPLES.email}`);
    const clean = await withRules({ detectors: ALL }, { inputData: { q: 'weather in Paris?' }, metadata: { v: 1 } });
    expect(clean).toMatchObject({ input_data: { q: 'weather in Paris?' }, metadata: { v: 1 } });
  });

  it('adds to masked counts the record already carries, as the server does', async () => {
    const span = await withRules({ detectors: ['email'] }, { inputData: SAMPLES.email, metadata: { masked: { secret: 2, email: 1 } } });
    expect(span.metadata).toEqual({ masked: { secret: 2, email: 2 } });
  });

  it('captureContent: false still records no inputs or outputs; the error and metadata are masked', async () => {
    const span = await withRules(
      { detectors: ALL },
      { inputData: { q: SAMPLES.secret }, outputData: SAMPLES.email, errorMessage: `bounce ${SAMPLES.email}`, metadata: { ip: SAMPLES.ip } },
      { captureContent: false },
    );
    expect(span).toMatchObject({ input_data: null, output_data: null, error_message: 'bounce [EMAIL]', metadata: { ip: '[IP]', masked: { email: 1, ip: 1 } } });
    expect(JSON.stringify(span)).not.toContain(SAMPLES.secret);
  });

  it('the function form still works, and is applied field by field', async () => {
    const seen: string[] = [];
    const span = await recorded(
      {
        mask: (value, field) => {
          seen.push(field);
          return JSON.parse(JSON.stringify(value).replaceAll(SAMPLES.email, '[EMAIL]'));
        },
      },
      { inputData: [SAMPLES.email], outputData: SAMPLES.email, errorMessage: SAMPLES.email, metadata: { to: SAMPLES.email } },
    );
    expect(span).toMatchObject({ input_data: ['[EMAIL]'], output_data: '[EMAIL]', error_message: '[EMAIL]', metadata: { to: '[EMAIL]' } });
    expect(seen.sort()).toEqual(['error_message', 'input_data', 'metadata', 'output_data']);
  });
});

describe('rules that cannot be used', () => {
  it('maskWith never throws: it lists each problem with its reason', () => {
    const mask = maskWith({ detectors: ['email', 'emails' as DetectorName], custom: [{ pattern: '(a)\\1', replacement: '[X]' }, { pattern: '(?<=x)y' }, { pattern: 'a*' }] });
    expect(mask.problems).toEqual([
      'detectors[1]: unknown detector "emails" (known: email, phone, card, iban, ip, secret)',
      expect.stringMatching(/^custom\[0\]\.pattern "\(a\)\\\\1": backreferences are not supported/),
      expect.stringMatching(/^custom\[1\]\.pattern .*look-ahead and look-behind are not supported/),
      expect.stringMatching(/^custom\[2\]\.pattern "a\*": the pattern matches the empty text/),
    ]);
    expect(checkMaskRules({ detector: ['email'] })).toEqual(['unknown option "detector" (known: detectors, custom, spanNames)']);
    expect(checkMaskRules({ custom: [{ pattern: 'x', replacement: 'y'.repeat(201) }] })).toEqual(['custom[0].replacement: a string of at most 200 characters']);
    expect(checkMaskRules(null)).toEqual(['the rules must be an object: { detectors, custom }']);
    expect(maskWith({ detectors: ['email'], custom: [{ pattern: 'ORD-\\d+' }] }).problems).toEqual([]);
  });

  describe('init()', () => {
    let server: RouteServer;
    let received = 0;
    beforeAll(async () => {
      server = await startRouteServer({
        '/api/analytics/traces': async () => {
          received++;
          return Response.json({ accepted: 1, rejected: [] });
        },
      });
    });
    afterAll(async () => {
      await server?.close();
    });

    it('reports an invalid pattern clearly, sends nothing, and the app never sees an error', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const options = { url: server.url, apiKey: 'lt_key', shutdownHooks: false };
      expect(init({ ...options, mask: maskWith({ detectors: ['email'], custom: [{ pattern: '(a)\\1', replacement: '[X]' }] }) })).toBe(traceService);
      expect(init({ ...options, mask: { detectors: ['email'] } as never })).toBe(traceService);
      expect(init({ ...options, mask: 'email' as never })).toBe(traceService);
      const messages = warn.mock.calls.map(([message]) => String(message));
      expect(messages).toEqual([
        expect.stringMatching(/^\[llmtrace\] init\(\): mask: custom\[0\]\.pattern "\(a\)\\\\1": backreferences are not supported .*; spans are not sent$/),
        expect.stringContaining("mask rules are applied by maskWith() from '@llmtrace/sdk/mask'"),
        expect.stringContaining('mask must be a function'),
      ]);
      await expect(observe('app-work', async () => `mail ${SAMPLES.email}`)).resolves.toBe(`mail ${SAMPLES.email}`);
      await traceService.flush();
      expect(received).toBe(0);
    });

    it('configure() with rules that cannot be used drops the content instead of sending it unmasked', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const span = await recorded({ mask: maskWith({ custom: [{ pattern: '(' }] }) }, { inputData: SAMPLES.email, outputData: SAMPLES.email, errorMessage: SAMPLES.email, metadata: { to: SAMPLES.email } });
      expect(span).toMatchObject({ input_data: null, output_data: null, error_message: null, metadata: null, input_tokens: 7 });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('custom[0].pattern "(": invalid regular expression'));
    });
  });
});

describe('masked once: the server neither masks nor counts it again', () => {
  it('no detector or replacement finds a replacement', () => {
    const masked = DETECTORS.map((name) => REPLACEMENTS[name]).join(' ');
    for (const name of DETECTORS) expect(detect(name, masked)).toEqual({ text: masked, count: 0 });
  });

  it("a span masked by the SDK comes out of the server's masking unchanged", async () => {
    const span = await withRules({ detectors: ALL, spanNames: true }, {
      spanName: `mail ${SAMPLES.email}`,
      inputData: { prompt: Object.values(SAMPLES).join(' ') },
      outputData: SAMPLES.secret,
      errorMessage: SAMPLES.ip,
      metadata: { card: SAMPLES.card },
    });
    const server = createMasker({ detectors: ALL, custom: [{ pattern: 'ORD-\\d{6}', replacement: '[ORDER]' }], spanNames: true })!;
    const row = span as unknown as SpanRow;
    expect(maskSpanFields(row, server)).toEqual(row);
  });

  describe('through the ingest endpoint of an account that masks too', () => {
    let database: Database;
    let server: RouteServer;
    beforeAll(async () => {
      database = await openTestDatabase('pglite');
      setAppContext({ database });
      server = await startRouteServer({ '/api/analytics/traces': { POST: postTraces } });
    });
    afterAll(async () => {
      await server?.close();
      await database?.close();
    });

    it('stores the SDK-masked span with its counts, plus only what the server found itself', async () => {
      const user = await createTestUser(database, 'sdk-mask');
      const settings = { masking: { detectors: ALL, custom: [{ pattern: 'ORD-\\d{6}', replacement: '[ORDER]' }] } };
      expect((await call(putPrivacy, { method: 'PUT', path: '/api/settings/privacy', apiKey: user.apiKey, body: settings })).status).toBe(200);
      init({ url: server.url, apiKey: user.apiKey, shutdownHooks: false, mask: maskWith({ detectors: ['email', 'card'] }) });
      const traceId = await observe({ name: 'ask', inputData: { q: `${SAMPLES.email} ${SAMPLES.card}`, cc: SAMPLES.email } }, async (span) => {
        await observe({ name: 'tool', inputData: SAMPLES.secret }, () => 'ok');
        return span.traceId;
      });
      await traceService.flush();
      const rows = await database.query<Record<string, any>>('SELECT span_name, input_data, metadata FROM llm_traces WHERE user_id = $1 AND trace_id = $2 ORDER BY span_name', [user.userId, traceId]);
      expect(rows.map(({ span_name, input_data, metadata }) => ({ span_name, input_data, masked: metadata?.masked }))).toEqual([
        { span_name: 'ask', input_data: { q: '[EMAIL] [CARD]', cc: '[EMAIL]' }, masked: { email: 2, card: 1 } },
        { span_name: 'tool', input_data: '[SECRET]', masked: { secret: 1 } },
      ]);
    });
  });
});

describe('the main entry stays light', () => {
  it("does not import the detectors' libraries; the mask entry does", async () => {
    const src = fileURLToPath(new URL('../../packages/sdk/src/', import.meta.url));
    const imports = async (entry: string) => {
      const { metafile } = await build({ entryPoints: [`${src}${entry}`], bundle: true, write: false, platform: 'node', format: 'esm', packages: 'external', metafile: true, logLevel: 'silent' });
      return Object.values(metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path));
    };
    const libraries = /^(libphonenumber-js|validator|re2js)/;
    expect((await imports('index.ts')).filter((path) => libraries.test(path))).toEqual([]);
    expect((await imports('mask/index.ts')).filter((path) => libraries.test(path)).sort()).toEqual([
      'libphonenumber-js/max',
      're2js',
      'validator/lib/isCreditCard.js',
      'validator/lib/isIBAN.js',
      'validator/lib/isIP.js',
    ]);
  });
});
