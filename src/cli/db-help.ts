/** Help of `bot4 db` and `bot4 audit`; each says only what the command really does. */

export const DB_HELP = `Usage: bot4 db migrate [--config FILE] [--timescale auto|off|require]

Applies the schema migrations in sql/ to the configured database and prints the report.

Database: DATABASE_URL when set (a real PostgreSQL); otherwise the embedded PGlite database
in database.data_dir (default data/pglite), which this command opens itself — so it is
refused while a running bot4 holds that folder (the lock names its pid).

Each pending migration runs in its own transaction with its ledger row (schema_migrations:
file, sha256, duration); applied ones are skipped, and an applied migration whose file was
edited stops everything before anything runs (exit 1, naming the file and both checksums).
TimescaleDB is detected (available and preloaded): with it the time-series step is applied
in its timescale variant (hypertables, compression, retention, continuous aggregates),
without it in its plain variant; the report says which and why.

Options:
  --config FILE        configuration file layered over config/default.yaml
  --timescale MODE     auto (default): use TimescaleDB where usable; off: never; require: fail without it
  -h, --help           show this help

Exit codes: 0 migrated (or already up to date), 1 a migration or the database failed, 2 invalid usage.
`;

export const AUDIT_HELP = `Usage: bot4 audit verify [--config FILE]

Verifies the hash-chained audit log (table audit_log): walks it from id 1 and recomputes
every row's sha256 over the previous row's hash and its own canonical content. Prints the
row count and the head hash when the chain holds. Otherwise names the first bad row and why:
a gap in the ids (rows deleted), a broken link (a row before it deleted or re-hashed), or a
content that does not match its hash (row edited). Deleting only the newest rows leaves a
valid shorter chain: keep the printed head hash somewhere else to catch that.

Database: as for \`bot4 db migrate\` (DATABASE_URL, else the embedded database in
database.data_dir, refused while a running bot4 holds it). The schema must be migrated.

Options:
  --config FILE   configuration file layered over config/default.yaml
  -h, --help      show this help

Exit codes: 0 the chain verifies, 1 a bad row (named on stderr) or the database failed, 2 invalid usage.
`;
