-- Per-account privacy settings (issue 13): masking rules, the sampling rule and retention.
-- One row per account that saved settings; an account without a row has the defaults (nothing
-- masked, everything kept, the server's TRACE_RETENTION_DAYS).
CREATE TABLE account_settings (
  user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  -- {"detectors":[…],"custom":[{"pattern","replacement"}],"spanNames":bool}, validated by the app.
  masking jsonb NOT NULL DEFAULT '{}',
  -- {"successRate":0..1,"keepFailed":bool,"slowMs":int|null}
  sampling jsonb NOT NULL DEFAULT '{}',
  -- Days this account's spans are kept; NULL follows TRACE_RETENTION_DAYS. A column, not JSON, so
  -- retention can join on it in one set-based statement.
  retention_days integer CHECK (retention_days BETWEEN 1 AND 36500),
  updated_at timestamptz NOT NULL DEFAULT now()
);
