package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// testdata/v1.db is a database written by flowlog before schema version 2
// (commit 0eee263): four flow logs (two NICs, a NAT gateway and an NLB;
// with and without prefix, data center and server), made with that
// commit's Engine.Create. See testdata/README.md.
const v1Fixture = "testdata/v1.db"

// copyFixture copies the version-1 database into a temporary folder, so a
// test can migrate it without touching the checked-in file.
func copyFixture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(v1Fixture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "flowlog.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// dumpRows is every row of flow_logs, every column as text, in id order.
func dumpRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT ` + columns + ` FROM flow_logs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, 12)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, v := range vals {
			fmt.Fprintf(&b, "%q ", v.String)
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

const migrateHelperEnv = "FLOWLOG_ENGINE_TEST_MIGRATE_HELPER"

// TestMigrateHelperProcess is not a test: it is one of the processes of
// TestMigrateV1Concurrently, each opening the same version-1 file.
func TestMigrateHelperProcess(t *testing.T) {
	if os.Getenv(migrateHelperEnv) != "1" {
		t.Skip("helper process for TestMigrateV1Concurrently")
	}
	fmt.Println(helperReady)
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(exitOtherErr)
	}
	ctx := context.Background()
	e, err := Open(ctx, os.Getenv(helperDBEnv))
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(exitOtherErr)
	}
	logs, err := e.List(ctx, ListFilter{})
	e.Close()
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(exitOtherErr)
	}
	fmt.Println("LISTED", len(logs))
	os.Exit(0)
}

// TestMigrateV1Concurrently opens a database written by the version-1 code
// from several processes at the same moment and checks that the migrated
// file holds every row unchanged, the schema a new database gets, and rules
// that still hold against raw SQL, now with application load balancers.
func TestMigrateV1Concurrently(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 8 processes")
	}
	ctx := context.Background()
	path := copyFixture(t)
	db := rawDB(t, path)
	if v, err := userVersion(ctx, db); err != nil || v != 1 {
		t.Fatalf("fixture: user_version = %d, %v; want 1", v, err)
	}
	before := dumpRows(t, db)
	if len(before) < 4 {
		t.Fatalf("fixture has %d rows, want at least 4", len(before))
	}
	db.Close()

	const procs = 8
	results := runTogether(t, procs, "TestMigrateHelperProcess", migrateHelperEnv+"=1", helperDBEnv+"="+path)
	for i, r := range results {
		if r.code != 0 || !strings.Contains(r.out, fmt.Sprintf("LISTED %d\n", len(before))) {
			t.Errorf("process %d: exit %d, output:\n%s", i, r.code, r.out)
		}
	}

	db = rawDB(t, path)
	if v, err := userVersion(ctx, db); err != nil || v != len(migrations) {
		t.Fatalf("after migration: user_version = %d, %v; want %d", v, err, len(migrations))
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	if after := dumpRows(t, db); !reflect.DeepEqual(after, before) {
		t.Errorf("rows changed by the migration:\n%s\nwas\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}

	// The migrated schema is the one a new database gets: same table,
	// indexes and triggers, nothing left over from the rebuild.
	fresh := openTest(t)
	want := schemaObjects(t, rawDB(t, fresh.Path()))
	if got := schemaObjects(t, db); got != want {
		t.Errorf("migrated schema:\n%s\nnew database's schema:\n%s", got, want)
	}
	for _, obj := range []string{"index flow_logs_one_per_resource", "index flow_logs_target", "index flow_logs_created",
		"trigger flow_logs_immutable", "trigger flow_logs_no_reuse_id"} {
		if !strings.Contains(want, obj+"\n") {
			t.Errorf("schema lacks %s", obj)
		}
	}

	// The rules hold for raw SQL on the migrated file.
	var id, resType, resID string
	if err := db.QueryRow(`SELECT id, resource_type, resource_id FROM flow_logs ORDER BY id LIMIT 1`).Scan(&id, &resType, &resID); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO flow_logs (id, name, resource_type, resource_id, direction, action, bucket, state, created_at)
		VALUES (?, ?, ?, ?, 'INGRESS', 'ALL', 'raw-logs', 'AVAILABLE', '2026-12-01T00:00:00Z')`
	for _, a := range []struct {
		desc, sql string
		args      []any
		want      string
	}{
		{"update a row", `UPDATE flow_logs SET direction = 'EGRESS' WHERE id = ?`, []any{id}, "immutable"},
		{"second flow log on a resource", insert, []any{"00000000-0000-4000-8000-0000000000f1", "raw", resType, resID}, "UNIQUE"},
		{"replace a row by id", `INSERT OR REPLACE INTO flow_logs SELECT * FROM flow_logs WHERE id = ?`, []any{id}, "immutable"},
		{"unknown resource type", insert, []any{"00000000-0000-4000-8000-0000000000f2", "raw", "lb", nic2}, "CHECK"},
	} {
		if _, err := db.ExecContext(ctx, a.sql, a.args...); err == nil || !strings.Contains(err.Error(), a.want) {
			t.Errorf("%s: error %v, want one mentioning %s", a.desc, err, a.want)
		}
	}
	if _, err := db.ExecContext(ctx, insert, "00000000-0000-4000-8000-0000000000f3", "raw-alb", "alb", nic2); err != nil {
		t.Errorf("raw insert of an alb flow log: %v", err)
	}

	// And through the engine: an ALB gets one flow log, as every kind does.
	e, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	alb := testLog()
	alb.Name, alb.ResourceType, alb.ResourceID = "alb-1", flowlog.ALB, "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
	mustCreate(t, e, alb)
	alb.Name = "alb-2"
	var re *RuleError
	if _, err := e.Create(ctx, alb); !errors.As(err, &re) || re.Rule != RuleOnePerResource {
		t.Errorf("second alb flow log: %v, want the one-per-resource rule", err)
	}
}

// TestMigrationIsAllOrNothing makes step 2 fail half-way (a table in the way
// of the rebuild) and expects the version-1 database exactly as it was.
func TestMigrationIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	path := copyFixture(t)
	db := rawDB(t, path)
	before := dumpRows(t, db)
	if _, err := db.Exec(`CREATE TABLE flow_logs_v2 (x)`); err != nil {
		t.Fatal(err)
	}
	schema := schemaObjects(t, db)

	e, err := Open(ctx, path)
	if err == nil {
		e.Close()
		t.Fatal("Open succeeded with the rebuild's table name taken")
	}
	for _, want := range []string{"schema version 2", path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if v, _ := userVersion(ctx, db); v != 1 {
		t.Errorf("user_version = %d after a failed step, want 1", v)
	}
	if got := schemaObjects(t, db); got != schema {
		t.Errorf("schema changed by a failed step:\n%s\nwas\n%s", got, schema)
	}
	if got := dumpRows(t, db); !reflect.DeepEqual(got, before) {
		t.Errorf("rows changed by a failed step")
	}
}
