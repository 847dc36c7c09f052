/**
 * The protobufjs message types of the OTLP trace service, built once, on first use, from the
 * generated JSON descriptor (`proto/descriptor.ts`). Nothing is read from files or the network,
 * and a process that never touches OTLP never pays for building them.
 */
import protobuf from 'protobufjs';
import { otlpTraceDescriptor } from './proto/descriptor';

export interface OtlpTraceTypes {
  /** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest` */
  ExportTraceServiceRequest: protobuf.Type;
  /** `opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse` */
  ExportTraceServiceResponse: protobuf.Type;
}

const COLLECTOR = 'opentelemetry.proto.collector.trace.v1';

let types: OtlpTraceTypes | undefined;

/**
 * The request and response types, resolved and with their codecs generated.
 *
 * @example
 * const { ExportTraceServiceRequest } = otlpTraceTypes();
 * const message = ExportTraceServiceRequest.decode(bytes);
 */
export function otlpTraceTypes(): OtlpTraceTypes {
  if (!types) {
    const root = protobuf.Root.fromJSON(otlpTraceDescriptor);
    root.resolveAll();
    types = {
      ExportTraceServiceRequest: root.lookupType(`${COLLECTOR}.ExportTraceServiceRequest`),
      ExportTraceServiceResponse: root.lookupType(`${COLLECTOR}.ExportTraceServiceResponse`),
    };
  }
  return types;
}
