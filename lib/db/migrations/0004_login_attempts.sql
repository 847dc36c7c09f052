-- Sign-in throttling counted in the database, so that it holds across app processes (lib/auth/login-throttle.ts).
-- users.failed_login_count and users.locked_until are no longer read; they stay so that a server
-- still running the previous version keeps working while several processes are upgraded.

-- One row per throttle bucket: (account, client address), client address, account, trusted device.
-- `bucket` is a SHA-256 of the bucket's kind and key, so no attempted email or address is stored.
CREATE TABLE login_throttle (
  bucket text PRIMARY KEY,
  failures integer NOT NULL DEFAULT 0,
  last_failure_at timestamptz NOT NULL DEFAULT now(),
  blocked_until timestamptz,
  -- The attempt that set blocked_until: if that attempt had the right password, it lifts its own block.
  blocked_by uuid
);
CREATE INDEX login_throttle_last_failure_idx ON login_throttle (last_failure_at);

-- A browser that signed in to an account holds a random token (cookie lt_device); only its SHA-256 is stored.
CREATE TABLE trusted_devices (
  token_hash text NOT NULL,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (token_hash, user_id)
);
CREATE INDEX trusted_devices_user_idx ON trusted_devices (user_id);
CREATE INDEX trusted_devices_last_used_idx ON trusted_devices (last_used_at);
