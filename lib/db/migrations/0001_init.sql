-- LLMTrace initial schema. Runs unchanged on PGlite and on Postgres >= 14.

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  password_hash text NOT NULL,
  failed_login_count integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name text NOT NULL,
  prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  scope text NOT NULL DEFAULT 'full' CHECK (scope IN ('full', 'chat')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at DESC);

CREATE TABLE sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title text NOT NULL DEFAULT 'New conversation',
  source text NOT NULL DEFAULT 'app' CHECK (source IN ('app', 'api', 'widget')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_user_idx ON conversations (user_id, created_at DESC);

CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  latency_ms numeric,
  input_tokens integer,
  output_tokens integer,
  cost_usd numeric,
  model_name text,
  model_provider text,
  trace_id text,
  metadata jsonb
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at);
CREATE INDEX messages_user_idx ON messages (user_id, created_at DESC);
CREATE INDEX messages_trace_idx ON messages (user_id, trace_id);

CREATE TABLE llm_traces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  conversation_id uuid REFERENCES conversations(id) ON DELETE SET NULL,
  message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
  -- Ids are validated as lowercase hex by the app; the database checks their length only (cheap on bulk ingest).
  trace_id text NOT NULL CHECK (char_length(trace_id) = 32),
  parent_trace_id text CHECK (char_length(parent_trace_id) = 16),
  span_id text NOT NULL CHECK (char_length(span_id) = 16),
  span_name text NOT NULL,
  start_time timestamptz NOT NULL,
  end_time timestamptz,
  duration_ms numeric,
  operation_type text NOT NULL CHECK (operation_type IN ('llm_call', 'tool_call', 'retrieval', 'embedding', 'chain', 'agent', 'other')),
  model_name text,
  model_provider text,
  status text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  error_message text,
  input_tokens integer,
  output_tokens integer,
  total_tokens integer,
  cached_input_tokens integer,
  reasoning_tokens integer,
  cost_usd numeric,
  time_to_first_token_ms numeric,
  service_name text,
  input_data jsonb,
  output_data jsonb,
  metadata jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT llm_traces_span_key UNIQUE (user_id, trace_id, span_id)
);
-- The trace list: newest roots first per user (keyset on start_time, id), and its filters.
CREATE INDEX llm_traces_roots_idx ON llm_traces (user_id, start_time DESC, id DESC) WHERE parent_trace_id IS NULL;
CREATE INDEX llm_traces_roots_status_idx ON llm_traces (user_id, status, start_time DESC) WHERE parent_trace_id IS NULL;
CREATE INDEX llm_traces_roots_model_idx ON llm_traces (user_id, model_provider, model_name, start_time DESC) WHERE parent_trace_id IS NULL;
CREATE INDEX llm_traces_roots_duration_idx ON llm_traces (user_id, duration_ms DESC) WHERE parent_trace_id IS NULL;
CREATE INDEX llm_traces_message_idx ON llm_traces (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX llm_traces_conversation_idx ON llm_traces (conversation_id) WHERE conversation_id IS NOT NULL;
-- Retention deletes by age.
CREATE INDEX llm_traces_start_time_idx ON llm_traces (start_time);

CREATE TABLE message_evaluations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  success boolean NOT NULL,
  rating integer CHECK (rating BETWEEN 1 AND 5),
  failure_tags text[] NOT NULL DEFAULT '{}',
  notes text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_evaluations_user_idx ON message_evaluations (user_id, created_at DESC);
CREATE INDEX message_evaluations_message_idx ON message_evaluations (message_id);
CREATE INDEX message_evaluations_tags_idx ON message_evaluations USING gin (failure_tags);

CREATE TABLE documents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title text NOT NULL,
  content text NOT NULL,
  search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(content, '')), 'B')
  ) STORED,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_user_idx ON documents (user_id, created_at DESC);
CREATE INDEX documents_search_idx ON documents USING gin (search_vector);
