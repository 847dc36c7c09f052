import { describe, expect, it } from 'vitest';
import { availableProviders, LlmConfigError, readLlmConfig } from '@/lib/config/llm.config';

describe('readLlmConfig', () => {
  it('defaults to the demo model only when no provider is configured', () => {
    const config = readLlmConfig({});
    expect(config.defaultProvider).toBe('demo');
    expect(config.defaultModels.demo).toBe('demo-1');
    expect(availableProviders(config).filter((p) => p.available).map((p) => p.name)).toEqual(['demo']);
  });

  it('picks OpenAI when its key or base URL is set, else Anthropic when its key is set', () => {
    expect(readLlmConfig({ OPENAI_API_KEY: 'sk-x', ANTHROPIC_API_KEY: 'sk-ant' }).defaultProvider).toBe('openai');
    expect(readLlmConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).defaultProvider).toBe('openai');
    expect(readLlmConfig({ ANTHROPIC_API_KEY: 'sk-ant' }).defaultProvider).toBe('anthropic');
    expect(readLlmConfig({ ANTHROPIC_BASE_URL: 'http://proxy' }).defaultProvider).toBe('demo');
  });

  it('honours DEFAULT_PROVIDER and applies DEFAULT_MODEL to that provider only', () => {
    const config = readLlmConfig({ OPENAI_API_KEY: 'sk-x', ANTHROPIC_API_KEY: 'sk-ant', DEFAULT_PROVIDER: 'Anthropic', DEFAULT_MODEL: 'claude-haiku-4-5' });
    expect(config.defaultProvider).toBe('anthropic');
    expect(config.defaultModels).toMatchObject({ anthropic: 'claude-haiku-4-5', openai: 'gpt-4o-mini', demo: 'demo-1' });
    expect(readLlmConfig({ OPENAI_API_KEY: 'sk-x', DEFAULT_PROVIDER: 'demo' }).defaultProvider).toBe('demo');
  });

  it('rejects an unknown DEFAULT_PROVIDER with a clear message', () => {
    expect(() => readLlmConfig({ DEFAULT_PROVIDER: 'gemini' })).toThrow(LlmConfigError);
    expect(() => readLlmConfig({ DEFAULT_PROVIDER: 'gemini' })).toThrow(/openai, anthropic, demo.*gemini/);
  });

  it('treats blank variables as unset and reads the search URL and demo pacing', () => {
    const config = readLlmConfig({ OPENAI_API_KEY: '  ', WEB_SEARCH_URL: ' http://searx:8080 ', DEMO_DELAY_SCALE: '0' });
    expect(config.openai.configured).toBe(false);
    expect(config.webSearchUrl).toBe('http://searx:8080');
    expect(config.demo.delayScale).toBe(0);
    expect(readLlmConfig({ DEMO_DELAY_SCALE: 'fast' }).demo.delayScale).toBe(1);
  });

  it('lists the default provider first and labels an OpenAI-compatible server', () => {
    const providers = availableProviders(readLlmConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' }));
    expect(providers[0]).toMatchObject({ name: 'openai', label: 'OpenAI-compatible', available: true, isDefault: true, note: 'http://127.0.0.1:8000/v1' });
    expect(providers.find((p) => p.name === 'demo')).toMatchObject({ available: true, isDefault: false });
  });
});
