package engine

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema steps in order; step i takes the database from
// PRAGMA user_version i to i+1. Append only: a released step never changes,
// because databases in the field have already run it.
var migrations = []string{
	// 1: flow log configurations. The rules of the service are enforced here
	// as well as in Go, so that no code path (or sqlite3 shell) can break
	// them: one flow log per resource, no two writing the same objects, and
	// no row ever changes.
	`
CREATE TABLE flow_logs (
	id            TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 36 AND id = lower(id)),
	name          TEXT NOT NULL CHECK (name <> '' AND length(CAST(name AS BLOB)) <= 255 AND instr(name, '/') = 0),
	resource_type TEXT NOT NULL CHECK (resource_type IN ('nic', 'natgateway', 'nlb')),
	resource_id   TEXT NOT NULL CHECK (length(resource_id) = 36 AND resource_id = lower(resource_id)),
	datacenter_id TEXT NOT NULL DEFAULT '',
	server_id     TEXT NOT NULL DEFAULT '',
	direction     TEXT NOT NULL CHECK (direction IN ('INGRESS', 'EGRESS', 'BIDIRECTIONAL')),
	action        TEXT NOT NULL CHECK (action IN ('ACCEPTED', 'REJECTED', 'ALL')),
	bucket        TEXT NOT NULL CHECK (length(bucket) BETWEEN 3 AND 63 AND bucket = lower(bucket)),
	prefix        TEXT NOT NULL DEFAULT '' CHECK (instr(prefix, '/') = 0),
	state         TEXT NOT NULL CHECK (state IN ('AVAILABLE', 'BUSY', 'INACTIVE')),
	created_at    TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE UNIQUE INDEX flow_logs_one_per_resource ON flow_logs (resource_type, resource_id);

CREATE UNIQUE INDEX flow_logs_target ON flow_logs (bucket, prefix, name);

CREATE INDEX flow_logs_created ON flow_logs (created_at, name, id);

CREATE TRIGGER flow_logs_immutable BEFORE UPDATE ON flow_logs
BEGIN
	SELECT RAISE(ABORT, 'flow_logs rows are immutable: delete and create again');
END;

-- INSERT OR REPLACE with an existing id would be an in-place change that
-- no UPDATE trigger sees.
CREATE TRIGGER flow_logs_no_reuse_id BEFORE INSERT ON flow_logs
WHEN EXISTS (SELECT 1 FROM flow_logs WHERE id = NEW.id)
BEGIN
	SELECT RAISE(ABORT, 'flow_logs rows are immutable: delete and create again');
END;
`,

	// 2: application load balancers ('alb') may carry flow logs. A CHECK
	// constraint cannot be altered in SQLite, so the table is rebuilt the
	// way the SQLite manual prescribes (new table, copy, drop, rename) and
	// its indexes and triggers, which DROP TABLE removes, are made again
	// exactly as step 1 made them. migrate runs the whole step in one
	// write transaction: another process sees version 1 with the old
	// table or version 2 with the new one, never a half-built schema.
	`
CREATE TABLE flow_logs_v2 (
	id            TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 36 AND id = lower(id)),
	name          TEXT NOT NULL CHECK (name <> '' AND length(CAST(name AS BLOB)) <= 255 AND instr(name, '/') = 0),
	resource_type TEXT NOT NULL CHECK (resource_type IN ('nic', 'natgateway', 'nlb', 'alb')),
	resource_id   TEXT NOT NULL CHECK (length(resource_id) = 36 AND resource_id = lower(resource_id)),
	datacenter_id TEXT NOT NULL DEFAULT '',
	server_id     TEXT NOT NULL DEFAULT '',
	direction     TEXT NOT NULL CHECK (direction IN ('INGRESS', 'EGRESS', 'BIDIRECTIONAL')),
	action        TEXT NOT NULL CHECK (action IN ('ACCEPTED', 'REJECTED', 'ALL')),
	bucket        TEXT NOT NULL CHECK (length(bucket) BETWEEN 3 AND 63 AND bucket = lower(bucket)),
	prefix        TEXT NOT NULL DEFAULT '' CHECK (instr(prefix, '/') = 0),
	state         TEXT NOT NULL CHECK (state IN ('AVAILABLE', 'BUSY', 'INACTIVE')),
	created_at    TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

INSERT INTO flow_logs_v2 (id, name, resource_type, resource_id, datacenter_id, server_id,
	direction, action, bucket, prefix, state, created_at)
SELECT id, name, resource_type, resource_id, datacenter_id, server_id,
	direction, action, bucket, prefix, state, created_at
FROM flow_logs;

DROP TABLE flow_logs;

ALTER TABLE flow_logs_v2 RENAME TO flow_logs;

CREATE UNIQUE INDEX flow_logs_one_per_resource ON flow_logs (resource_type, resource_id);

CREATE UNIQUE INDEX flow_logs_target ON flow_logs (bucket, prefix, name);

CREATE INDEX flow_logs_created ON flow_logs (created_at, name, id);

CREATE TRIGGER flow_logs_immutable BEFORE UPDATE ON flow_logs
BEGIN
	SELECT RAISE(ABORT, 'flow_logs rows are immutable: delete and create again');
END;

-- INSERT OR REPLACE with an existing id would be an in-place change that
-- no UPDATE trigger sees.
CREATE TRIGGER flow_logs_no_reuse_id BEFORE INSERT ON flow_logs
WHEN EXISTS (SELECT 1 FROM flow_logs WHERE id = NEW.id)
BEGIN
	SELECT RAISE(ABORT, 'flow_logs rows are immutable: delete and create again');
END;
`,
}

// migrate brings the schema up to date. Each step runs in its own write
// transaction that re-reads the version first, so processes opening a new
// database at the same moment apply every step exactly once.
func (e *Engine) migrate(ctx context.Context) error {
	v, err := userVersion(ctx, e.db)
	if err != nil {
		return err
	}
	if err := e.checkVersion(v); err != nil {
		return err
	}
	for v < len(migrations) {
		err := e.write(ctx, func(tx *sql.Tx) error {
			cur, err := userVersion(ctx, tx)
			if err != nil {
				return err
			}
			if err := e.checkVersion(cur); err != nil {
				return err
			}
			if cur == len(migrations) {
				v = cur
				return nil
			}
			if _, err := tx.ExecContext(ctx, migrations[cur]); err != nil {
				return fmt.Errorf("migrate %s to schema version %d: %w", e.path, cur+1, err)
			}
			// PRAGMA takes no bound parameters; cur+1 is our own integer.
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", cur+1)); err != nil {
				return fmt.Errorf("migrate %s to schema version %d: %w", e.path, cur+1, err)
			}
			v = cur + 1
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) checkVersion(v int) error {
	if v > len(migrations) {
		return fmt.Errorf("database %s has schema version %d, but this flowlog knows only up to version %d: upgrade flowlog", e.path, v, len(migrations))
	}
	return nil
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func userVersion(ctx context.Context, q queryRower) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
