import 'server-only';
import type { Database } from '@/lib/db/client';
import { searchDocuments, type DocumentHit } from '@/lib/db/queries/chat';
import { traceService } from '@llmtrace/sdk';

/** Passages handed to the model at most. */
export const RETRIEVAL_LIMIT = 4;

/**
 * Knowledge-base retrieval before the first model call: a `retrieval` span with a child
 * `knowledge_base.search`, both recording the query and the passages found.
 */
export function retrieveContext(database: Database, { userId, query }: { userId: string; query: string }): Promise<DocumentHit[]> {
  return traceService.withSpan({ spanName: 'retrieval', operationType: 'retrieval', inputData: { query } }, async (span) => {
    const hits = await traceService.withSpan(
      { spanName: 'knowledge_base.search', operationType: 'retrieval', inputData: { query, limit: RETRIEVAL_LIMIT }, metadata: { engine: 'postgres_fts' } },
      async (search) => {
        const found = await searchDocuments(database, { userId, query, limit: RETRIEVAL_LIMIT });
        traceService.update(search, { outputData: { hits: found } });
        return found;
      },
    );
    traceService.update(span, { outputData: { passages: hits.map((h) => ({ id: h.id, title: h.title, rank: h.rank })) }, metadata: { passages: hits.length } });
    return hits;
  });
}
