-- When a quarter hour was first marked since it was last rebuilt (lib/trace-store/rollups.ts). The
-- background roll-up task rebuilds a quarter only once its mark is a minute old: a quarter still
-- being written to (a batch exporter's late spans, a replay, a bulk import) was rebuilt every 10 s
-- and each rebuild read all of its spans again; on PGlite each of those statements held the
-- server's thread for up to a quarter of a second. Readers read a marked quarter from the spans, so
-- nothing they show waits for it. A constant default (now() of the adding transaction): adding the
-- column rewrites nothing.
ALTER TABLE stats_dirty ADD COLUMN IF NOT EXISTS marked_at timestamptz NOT NULL DEFAULT now();
