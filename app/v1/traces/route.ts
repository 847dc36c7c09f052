import { authenticated, otherMethods } from '@/lib/http/route';
import { OTLP_BODY_LIMIT, ingestOtlp } from '@/lib/otlp/ingest';
import { withOtlpErrors } from '@/lib/otlp/status';
import { admitIngest } from '@/lib/trace-store/admission';

export const dynamic = 'force-dynamic';

/** OTLP/HTTP trace ingest (protobuf or JSON, gzip or deflate): `OTEL_EXPORTER_OTLP_ENDPOINT=http://host:3000`. */
export const POST = withOtlpErrors(
  admitIngest(authenticated(async ({ request, database, principal }) => ingestOtlp(database, { userId: principal.userId, request })), { bodyLimit: OTLP_BODY_LIMIT }),
);

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
