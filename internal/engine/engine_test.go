package engine

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func openTest(t *testing.T) *Engine {
	t.Helper()
	e, err := Open(context.Background(), filepath.Join(t.TempDir(), "flowlog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

// rawDB opens path with no settings at all, the way a sqlite3 shell or a
// careless script would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "flowlog")
	path := filepath.Join(dir, "flowlog.db")
	e, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Path() != path {
		t.Errorf("Path() = %q, want %q", e.Path(), path)
	}
	// A write makes SQLite create the WAL files, which must be as private
	// as the database.
	if _, err := e.Create(context.Background(), testLog()); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o700 {
			t.Errorf("%s: mode %o, want 700", d, got)
		}
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %o, want 600", name, got)
		}
	}
}

func TestOpenKeepsExistingDirMode(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e, err := Open(context.Background(), filepath.Join(dir, "flowlog.db"))
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	fi, _ := os.Stat(dir)
	if got := fi.Mode().Perm(); got != 0o755 {
		t.Errorf("existing dir mode changed to %o", got)
	}
}

func TestOpenPathNeedingEscapes(t *testing.T) {
	// '?' and '#' would end the path in a URI; '%' would start an escape.
	path := filepath.Join(t.TempDir(), "my data #1?", "flow log%20.db")
	e, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Create(context.Background(), testLog()); err != nil {
		t.Fatal(err)
	}
	e.Close()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, en := range entries {
		names = append(names, en.Name())
	}
	if len(names) == 0 || names[0] != "flow log%20.db" {
		t.Errorf("files in %s: %q, want the database at the exact path", filepath.Dir(path), names)
	}
	e, err = Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if got, _ := e.List(context.Background(), ListFilter{}); len(got) != 1 {
		t.Errorf("reopened database has %d flow logs, want 1", len(got))
	}
}

func TestOpenRejectsNonDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flowlog.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if e, err := Open(context.Background(), path); err == nil {
		e.Close()
		t.Fatal("Open succeeded on a text file")
	} else if !strings.Contains(err.Error(), path) {
		t.Errorf("error does not name the file: %v", err)
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := Open(context.Background(), ""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

func TestOpenSettingsOnEveryConnection(t *testing.T) {
	e := openTest(t)
	ctx := context.Background()
	// Hold several connections at once so the pool has to open new ones.
	var conns []*sql.Conn
	for i := 0; i < 4; i++ {
		c, err := e.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var timeout, fk int
		var mode string
		if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&timeout); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if timeout != int(busyTimeout.Milliseconds()) || fk != 1 || mode != "wal" {
			t.Errorf("conn %d: busy_timeout=%d foreign_keys=%d journal_mode=%s", i, timeout, fk, mode)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

func schemaObjects(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name string
		var text sql.NullString
		if err := rows.Scan(&typ, &name, &text); err != nil {
			t.Fatal(err)
		}
		b.WriteString(typ + " " + name + "\n" + text.String + "\n")
	}
	return b.String()
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flowlog.db")
	e, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Create(ctx, testLog()); err != nil {
		t.Fatal(err)
	}
	e.Close()

	db := rawDB(t, path)
	v, err := userVersion(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if v != len(migrations) {
		t.Fatalf("user_version = %d, want %d", v, len(migrations))
	}
	before := schemaObjects(t, db)
	for _, want := range []string{"table flow_logs", "index flow_logs_one_per_resource", "index flow_logs_target", "trigger flow_logs_immutable"} {
		if !strings.Contains(before, want) {
			t.Errorf("schema lacks %s:\n%s", want, before)
		}
	}

	t.Run("reopen is a no-op", func(t *testing.T) {
		e, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.List(ctx, ListFilter{})
		e.Close()
		if err != nil || len(got) != 1 {
			t.Fatalf("after reopen: %d flow logs, %v", len(got), err)
		}
		if after := schemaObjects(t, db); after != before {
			t.Errorf("schema changed on reopen:\n%s\nwas\n%s", after, before)
		}
		if v, _ := userVersion(ctx, db); v != len(migrations) {
			t.Errorf("user_version = %d after reopen", v)
		}
	})

	t.Run("newer schema refused", func(t *testing.T) {
		newer := len(migrations) + 1
		if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", newer)); err != nil {
			t.Fatal(err)
		}
		defer db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)))
		e, err := Open(ctx, path)
		if err == nil {
			e.Close()
			t.Fatal("Open succeeded on a newer schema")
		}
		for _, want := range []string{fmt.Sprintf("schema version %d", newer), "upgrade flowlog", path} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})
}
