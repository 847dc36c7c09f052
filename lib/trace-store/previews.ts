/**
 * The trace list's previews: one line of what a trace was asked and what it answered, found in
 * its root's input and output documents (the message shapes of every ingest path) by SQL, so only
 * a few hundred characters of each leave the database, and trimmed to a line here.
 */
import 'server-only';

/** The longest preview a list row carries. */
export const PREVIEW_LENGTH = 200;

/** A preview as the list shows it: one line, whitespace collapsed, cut to {@link PREVIEW_LENGTH}. */
export function previewText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const line = value.replace(/\s+/g, ' ').trim();
  if (line === '') return null;
  if (line.length <= PREVIEW_LENGTH) return line;
  // Cut before a lone high surrogate, so an emoji is kept whole or left out.
  const end = /[\ud800-\udbff]/.test(line[PREVIEW_LENGTH - 2]!) ? PREVIEW_LENGTH - 2 : PREVIEW_LENGTH - 1;
  return `${line.slice(0, end)}…`;
}

/** A JSON value, or null for SQL NULL and JSON null alike. */
export const DOC = (column: string) => `NULLIF(${column}, 'null'::jsonb)`;

/**
 * The part of a span's input that a person typed: the first user message of a chat (OpenAI and
 * Anthropic `messages`, a bare message list, Gemini `contents`), a plain string, or a `prompt`,
 * `input`, `query`, `question` or `text` field. Tried in that order; `coalesce` stops at the first
 * found, so a chat input (the usual case) is read once.
 */
const INPUT_CONTENT = (doc: string) => `coalesce(
  jsonb_path_query_first(${doc}, 'lax $.messages[*] ? (@.role == "user").content ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $[*] ? (@.role == "user").content ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.contents[*] ? (@.role == "user").parts ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $ ? (@.type() == "string")'),
  jsonb_path_query_first(${doc}, 'lax $.prompt ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.input ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.query ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.question ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.text ? (@ != null)'))`;

/**
 * The answer in a span's output: a plain string, the last assistant message of a message list,
 * the first choice's message (OpenAI), `content` (this app's chat, Anthropic), the first
 * candidate's parts (Gemini), or an `output`, `text`, `answer`, `result` or `response` field.
 */
const OUTPUT_CONTENT = (doc: string) => `coalesce(
  jsonb_path_query_first(${doc}, 'lax $ ? (@.type() == "string")'),
  jsonb_path_query_first(${doc}, 'lax $[last] ? (@.role == "assistant").content ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.choices[0].message.content ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.content ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.candidates[0].content.parts ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.output ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.text ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.answer ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.result ? (@ != null)'),
  jsonb_path_query_first(${doc}, 'lax $.response ? (@ != null)'))`;

/**
 * The text of a message content (`found`, a small JSON value): itself when a string, else its
 * first string part, first part's `text`, or first string anywhere; else the value's JSON. With
 * nothing found, the document's own JSON. At most 400 characters (the row trims further).
 */
const PREVIEW_TEXT = (found: string, doc: string) => `CASE
  WHEN ${doc} IS NULL THEN NULL
  WHEN ${found} IS NULL THEN left(${doc}::text, 400)
  WHEN jsonb_typeof(${found}) = 'string' THEN left(${found} #>> '{}', 400)
  ELSE left(coalesce(
    jsonb_path_query_first(${found}, 'lax $[*] ? (@.type() == "string")') #>> '{}',
    jsonb_path_query_first(${found}, 'lax $[*].text ? (@.type() == "string")') #>> '{}',
    jsonb_path_query_first(${found}, 'strict $.** ? (@.type() == "string")', '{}', true) #>> '{}',
    ${found}::text), 400) END`;

/**
 * Joins that give each listed root `r` its previews (`previews.input_preview`,
 * `previews.output_preview`) from the documents `input` and `output` (expressions over `r`), and
 * say which document is missing (`docs.input_doc IS NULL`). Evaluated per row of the page only;
 * `OFFSET 0` keeps each document and content computed once.
 */
export const PREVIEW_JOINS = (input: string, output: string) => `
  CROSS JOIN LATERAL (SELECT ${input} AS input_doc, ${output} AS output_doc OFFSET 0) docs
  CROSS JOIN LATERAL (SELECT ${INPUT_CONTENT('docs.input_doc')} AS input_found, ${OUTPUT_CONTENT('docs.output_doc')} AS output_found OFFSET 0) found
  CROSS JOIN LATERAL (SELECT ${PREVIEW_TEXT('found.input_found', 'docs.input_doc')} AS input_preview, ${PREVIEW_TEXT('found.output_found', 'docs.output_doc')} AS output_preview) previews`;

/**
 * When a root has no input (or output) of its own (an HTTP span above the model calls), its
 * preview comes from the earliest span's input and the output of the span that ended last.
 * `within` bounds a span alias to the traces' days.
 */
export const DESCENDANT_DOCS = (within: (alias: string) => string) =>
  [
    `(SELECT ${DOC('c.input_data')} FROM llm_traces c WHERE c.user_id = r.user_id AND c.trace_id = r.trace_id${within('c')} AND ${DOC('c.input_data')} IS NOT NULL ORDER BY c.start_time, c.span_id LIMIT 1)`,
    `(SELECT ${DOC('c.output_data')} FROM llm_traces c WHERE c.user_id = r.user_id AND c.trace_id = r.trace_id${within('c')} AND ${DOC('c.output_data')} IS NOT NULL ORDER BY c.end_time DESC NULLS LAST, c.start_time DESC, c.span_id LIMIT 1)`,
  ] as const;

