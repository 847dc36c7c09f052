import 'server-only';
import type { Database } from '@/lib/db/client';
import { readDecodedBody } from '@/lib/http/body';
import { ApiError } from '@/lib/http/errors';
import { asUnavailable, withIngestReservation } from '@/lib/trace-store/admission';
import { storeSpans } from '@/lib/trace-store/ingest';
import { OtlpDecodeError, decodeTraceRequest, type OtlpEncoding } from './decode';
import { encodeTraceResponse } from './encode';
import { mapOtlpSpan } from './map';

const DEFAULT_MAX_BODY_MB = 32;

/**
 * Largest OTLP request, checked on the wire and again after decompression (`OTLP_MAX_BODY_MB`,
 * default 32 MiB). Exporters batch 512 spans by default; 32 MiB leaves 64 KB a span.
 */
export const OTLP_BODY_LIMIT = (() => {
  const mb = Number(process.env.OTLP_MAX_BODY_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : DEFAULT_MAX_BODY_MB) * 1024 * 1024;
})();

/** The request's OTLP encoding from its Content-Type, or a 415 naming the two that work. */
export function otlpEncoding(request: Request): OtlpEncoding {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw new ApiError('unsupported_media_type', `Send OTLP as application/x-protobuf or application/json (got ${type || 'no Content-Type'}).`);
}

export interface OtlpIngestResult {
  accepted: number;
  rejected: number;
  /** The first few reasons, for `partialSuccess.errorMessage`. */
  errorMessage: string;
}

const MAX_REASONS = 5;

/**
 * `POST /v1/traces`: decodes an ExportTraceServiceRequest, maps every span (LLM or not, so the
 * tree stays whole) onto `llm_traces`, and stores it through the same validation and write as the
 * JSON ingest. A span that fails is refused alone and counted in `partialSuccess`.
 */
export async function ingestOtlp(database: Database, { userId, request }: { userId: string; request: Request }): Promise<Response> {
  const encoding = otlpEncoding(request);
  return withIngestReservation(request, async (reservation) => {
    const body = await readDecodedBody(request, OTLP_BODY_LIMIT, (bytes) => reservation.ensure(bytes));
    const result = await storeOtlp(database, { userId, body, encoding });
    const partial = result.rejected > 0 ? { rejectedSpans: result.rejected, errorMessage: result.errorMessage } : undefined;
    const encoded = encodeTraceResponse(encoding, partial);
    return new Response(encoded.body as BodyInit, { status: 200, headers: { 'content-type': encoded.contentType } });
  });
}

/** Decodes, maps and stores one OTLP body; the part of {@link ingestOtlp} after the HTTP layer. */
export async function storeOtlp(
  database: Database,
  { userId, body, encoding }: { userId: string; body: Uint8Array; encoding: OtlpEncoding },
): Promise<OtlpIngestResult> {
  let decoded: ReturnType<typeof decodeTraceRequest>;
  try {
    decoded = decodeTraceRequest(body, encoding);
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw new ApiError('bad_request', `The OTLP body could not be decoded: ${error.message}`);
    throw error;
  }
  const reasons: string[] = decoded.invalid.slice(0, MAX_REASONS).map((bad) => `span ${bad.index}: ${bad.message}`);
  const mapped: unknown[] = [];
  let unmappable = 0;
  for (const span of decoded.spans) {
    try {
      mapped.push(mapOtlpSpan(span));
    } catch (error) {
      unmappable++;
      if (reasons.length < MAX_REASONS) reasons.push(`span ${span.spanId || '?'}: ${(error as Error).message}`);
    }
  }
  const stored = await storeSpans(database, { userId, spans: mapped }).catch(asUnavailable);
  for (const bad of stored.rejected) {
    if (reasons.length >= MAX_REASONS) break;
    const span = mapped[bad.index] as { span_id?: string } | undefined;
    reasons.push(`span ${span?.span_id ?? bad.index}: ${bad.message}`);
  }
  const rejected = decoded.invalid.length + unmappable + stored.rejected.length;
  return { accepted: stored.accepted, rejected, errorMessage: rejected > reasons.length ? `${reasons.join('; ')}; …` : reasons.join('; ') };
}
