import { z } from 'zod';
import { defineTool } from '../define';

/** Characters of each result's snippet passed to the model. */
const SNIPPET_LENGTH = 500;

const searxngResponse = z.object({
  query: z.string().optional(),
  results: z
    .array(z.object({ title: z.string().optional(), url: z.string().optional(), content: z.string().nullish() }).loose())
    .default([]),
});

/**
 * Web search through a SearXNG instance (`WEB_SEARCH_URL`), which must allow the JSON format
 * (`search.formats: [html, json]` in its settings.yml). Offered only when WEB_SEARCH_URL is set.
 */
export const webSearch = defineTool({
  name: 'web_search',
  description:
    'Search the web for current information (news, recent events, facts you are unsure of). Returns the top results with title, URL and a snippet.',
  schema: z.object({
    query: z.string().trim().min(1).max(400).describe('What to search for'),
    max_results: z.number().int().min(1).max(10).default(5).describe('How many results to return (1-10, default 5)'),
  }),
  isAvailable: (config) => Boolean(config.webSearchUrl),
  timeoutMs: 10_000,
  handler: async ({ query, max_results }, { config, signal }) => {
    if (!config.webSearchUrl) throw new Error('Web search is not configured: set WEB_SEARCH_URL to a SearXNG instance.');
    const url = new URL('search', config.webSearchUrl.endsWith('/') ? config.webSearchUrl : `${config.webSearchUrl}/`);
    url.searchParams.set('q', query);
    url.searchParams.set('format', 'json');

    const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
    if (!response.ok) {
      const hint = response.status === 403 ? ' (is the json format enabled in SearXNG settings.yml under search.formats?)' : '';
      throw new Error(`The search service answered HTTP ${response.status}${hint}.`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new Error('The search service did not return JSON.');
    }
    const parsed = searxngResponse.safeParse(body);
    if (!parsed.success) throw new Error('The search service returned JSON in an unexpected shape (expected SearXNG results).');

    const results = parsed.data.results
      .filter((result) => result.url)
      .slice(0, max_results)
      .map((result) => ({
        title: result.title ?? result.url!,
        url: result.url!,
        content: (result.content ?? '').slice(0, SNIPPET_LENGTH),
      }));
    return { query, results };
  },
});
