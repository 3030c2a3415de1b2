-- The recorder appends audit entries that producers send it; each carries the producer's key for the
-- entry. A spool replayed after an ambiguous failure (committed, but the acknowledgement was lost) must
-- not append an entry twice, so the appender looks the key up under its table lock (src/persistence/audit.ts).
-- The key is bookkeeping, not content: it is not part of the row's hash. Entries appended directly
-- (appendAudit) have none.
ALTER TABLE audit_log ADD COLUMN source_key text;
CREATE UNIQUE INDEX audit_log_source_key_idx ON audit_log (source_key) WHERE source_key IS NOT NULL;
