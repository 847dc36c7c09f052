/**
 * `@llmtrace/sdk/span`: the one definition of a span, without the tracer. Pure, so browser code
 * may import it.
 */
export * from './fields';
