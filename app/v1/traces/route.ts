import { authenticated, otherMethods } from '@/lib/http/route';
import { ingestOtlp } from '@/lib/otlp/ingest';
import { withOtlpErrors } from '@/lib/otlp/status';

export const dynamic = 'force-dynamic';

/** OTLP/HTTP trace ingest (protobuf or JSON, gzip or deflate): `OTEL_EXPORTER_OTLP_ENDPOINT=http://host:3000`. */
export const POST = withOtlpErrors(authenticated(async ({ request, database, principal }) => ingestOtlp(database, { userId: principal.userId, request })));

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
