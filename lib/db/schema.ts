/**
 * Drizzle table definitions of the tables queried through Drizzle, mirroring
 * `lib/db/migrations/*.sql` (the SQL files are the source of truth for DDL; this file gives
 * queries their types). Keep both in step. Spans (`llm_traces`) are not here: their one
 * definition is `SPAN_FIELDS` in `@llmtrace/sdk/span`, and the span store writes SQL from it.
 */
import { sql } from 'drizzle-orm';
import {
  customType,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

/** numeric as a JS number (Postgres drivers return numeric as a string). */
const numericNumber = customType<{ data: number; driverData: string | number }>({
  dataType: () => 'numeric',
  fromDriver: (value) => Number(value),
  toDriver: (value) => value,
});

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull(),
  passwordHash: text('password_hash').notNull(),
  createdAt: createdAt(),
});

export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  name: text('name').notNull(),
  prefix: text('prefix').notNull(),
  keyHash: text('key_hash').notNull(),
  scope: text('scope', { enum: ['full', 'chat'] }).notNull().default('full'),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

export const sessions = pgTable('sessions', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  tokenHash: text('token_hash').notNull(),
  csrfToken: text('csrf_token').notNull(),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** Browsers that signed in to an account before; sign-in throttling trusts them (`lib/auth/login-throttle.ts`). */
export const trustedDevices = pgTable('trusted_devices', {
  tokenHash: text('token_hash').notNull(),
  userId: uuid('user_id').notNull(),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
});

export const conversations = pgTable('conversations', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  title: text('title').notNull().default('New conversation'),
  source: text('source', { enum: ['app', 'api', 'widget'] }).notNull().default('app'),
  createdAt: createdAt(),
});

export const messages = pgTable('messages', {
  id: uuid('id').primaryKey().defaultRandom(),
  conversationId: uuid('conversation_id').notNull(),
  userId: uuid('user_id').notNull(),
  role: text('role', { enum: ['system', 'user', 'assistant', 'tool'] }).notNull(),
  content: text('content').notNull().default(''),
  createdAt: createdAt(),
  latencyMs: numericNumber('latency_ms'),
  inputTokens: integer('input_tokens'),
  outputTokens: integer('output_tokens'),
  costUsd: numericNumber('cost_usd'),
  modelName: text('model_name'),
  modelProvider: text('model_provider'),
  traceId: text('trace_id'),
  metadata: jsonb('metadata').$type<Record<string, unknown>>(),
});

export const documents = pgTable('documents', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  title: text('title').notNull(),
  content: text('content').notNull(),
  searchVector: tsvector('search_vector').generatedAlwaysAs(
    sql`setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(content, '')), 'B')`,
  ),
  createdAt: createdAt(),
});

export type User = typeof users.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type Conversation = typeof conversations.$inferSelect;
export type Message = typeof messages.$inferSelect;
