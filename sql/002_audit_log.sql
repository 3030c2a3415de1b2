-- Append-only, hash-chained audit log. The application computes
--   hash = sha256(prev_hash || canonical_json({id, at, actor, action, detail}))
-- (src/persistence/audit.ts); ids are contiguous (the appender assigns last id + 1 under a table lock),
-- so a deleted row shows as a gap and a broken link.

CREATE TABLE audit_log (
  id        bigint PRIMARY KEY CHECK (id > 0),
  at        timestamptz NOT NULL,
  actor     text NOT NULL,
  action    text NOT NULL,
  detail    jsonb NOT NULL,
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash      text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
);

-- Defence in depth: ordinary sessions cannot rewrite history. A superuser can still disable the
-- trigger, which is exactly what verifyAuditChain is there to catch.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;

CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
