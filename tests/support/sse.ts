import { parseSseText } from '@/lib/chat/sse-parse';

/** Parses a Server-Sent Events response into {event, data} pairs. */
export async function readSse(response: Response): Promise<Array<{ event: string; data: any }>> {
  return parseSseText(await response.text()) as Array<{ event: string; data: any }>;
}
