import type { Metadata } from 'next';
import { ChatPlayground, type PlaygroundTool } from '@/components/chat/ChatPlayground';
import { availableProviders, llmConfig } from '@/lib/config/llm.config';
import { listTools } from '@/lib/tools';

export const metadata: Metadata = { title: 'Playground · LLMTrace' };
export const dynamic = 'force-dynamic';

const TOOL_REQUIREMENTS: Record<string, string> = {
  web_search: 'Needs WEB_SEARCH_URL (a SearXNG instance).',
};

export default function ChatPage() {
  const config = llmConfig();
  const providers = availableProviders(config).map(({ name, label, available, isDefault, defaultModel, note }) => ({ name, label, available, isDefault, defaultModel, note }));
  const tools: PlaygroundTool[] = listTools(config).map((tool) => ({
    ...tool,
    reason: tool.available ? undefined : (TOOL_REQUIREMENTS[tool.name] ?? 'Not available on this server.'),
  }));
  return <ChatPlayground providers={providers} tools={tools} />;
}
