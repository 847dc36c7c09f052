import 'server-only';
import protobuf from 'protobufjs';

/** `google.rpc.Status`, the body OTLP/HTTP error responses carry (fields 1 code, 2 message). */
const Status = new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string'));
new protobuf.Root().define('google.rpc').add(Status);

/** gRPC status codes for the HTTP statuses the endpoint answers with. */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 413: 8, 415: 3, 422: 3, 429: 8, 503: 14 };

type Handler = (request: Request, args?: { params: Promise<Record<string, never>> }) => Promise<Response>;

/**
 * OTLP/HTTP says error bodies are a `Status` in the request's encoding. A protobuf client gets
 * one (same status code and headers, `Retry-After` included); a JSON client gets the API's usual
 * `{"error":{"code","message"}}`, whose `message` an exporter logs the same way.
 */
export function withOtlpErrors(handler: Handler): Handler {
  return async (request, args) => {
    const response = await handler(request, args);
    if (response.status < 400 || !/protobuf/i.test(request.headers.get('content-type') ?? '')) return response;
    const { error } = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    const body = Status.encode({ code: GRPC_CODE[response.status] ?? 2, message: error?.message ?? response.statusText }).finish();
    const headers = new Headers(response.headers);
    headers.set('content-type', 'application/x-protobuf');
    headers.delete('content-length');
    return new Response(body as BodyInit, { status: response.status, headers });
  };
}
