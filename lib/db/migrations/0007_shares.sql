-- Read-only public links to one trace (lib/share/shares.ts). A link's token is random (192 bits)
-- and only its SHA-256 is stored, like API keys and sessions; `token_prefix` (its first 6 of 32
-- characters) lets the owner tell links apart in Settings. Revoking a link deletes its row. A link
-- holds no copy of the trace: once the trace is deleted (by hand or by retention) it answers 404.
CREATE TABLE IF NOT EXISTS trace_shares (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  trace_id text NOT NULL CHECK (char_length(trace_id) = 32),
  token_hash text NOT NULL UNIQUE,
  token_prefix text NOT NULL,
  -- Inputs, outputs, metadata and end-user/session ids are left out of what the link serves.
  redact boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS trace_shares_user_idx ON trace_shares (user_id, created_at DESC);
