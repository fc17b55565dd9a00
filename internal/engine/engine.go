// Package engine owns the SQLite database holding flow log configurations
// and enforces the service's rules in the database itself: one flow log per
// resource, no two flow logs writing the same objects, and no change to a
// flow log after it is created. Go code checks the rules first to give a
// clear message; unique indexes and triggers are the backstop for races and
// for anyone writing to the file directly.
package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// busyTimeout is how long a connection waits for another process's write
// lock before failing with SQLITE_BUSY. Writes here take milliseconds, so
// only a stuck process should ever hit it.
const busyTimeout = 10 * time.Second

// Engine is an open flow log database. It is safe for concurrent use, and
// several processes may open the same file at once.
type Engine struct {
	db   *sql.DB
	path string

	mu  sync.Mutex
	now func() time.Time
}

// Open opens the database at path, creating it and its directory on first
// use, and brings its schema up to date. Flow log configurations name
// resources and buckets, so the directory is created 0700 and the file 0600.
func Open(ctx context.Context, path string) (*Engine, error) {
	if path == "" {
		return nil, errors.New("open database: no path given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	// SQLite would create the file 0644; create it first so it never
	// exists with looser permissions. An existing file keeps its mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}

	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	e := &Engine{db: db, path: abs, now: time.Now}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	if err := e.useWAL(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	if err := e.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return e, nil
}

// useWAL switches the database file to write-ahead logging, so that readers
// never wait for a writer. The mode is stored in the file, so this is done
// once per file rather than per connection. Switching needs an exclusive
// lock, and SQLite reports a competing process with SQLITE_BUSY at once
// instead of waiting under busy_timeout, hence the retry loop: several
// processes may open a new database at the same moment.
func (e *Engine) useWAL(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		var mode string
		err := e.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
		if err == nil && mode == "wal" {
			return nil
		}
		if err == nil {
			// A file system without shared memory keeps the old mode;
			// that is slower, not wrong, so it is not an error.
			err = e.db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
			if err == nil {
				return nil
			}
		}
		if !isBusy(err) || time.Now().After(deadline) {
			return fmt.Errorf("set journal mode: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(5+rand.IntN(20)) * time.Millisecond):
		}
	}
}

func isBusy(err error) bool {
	var serr *sqlite.Error
	return errors.As(err, &serr) && serr.Code()&0xff == sqlite3.SQLITE_BUSY
}

// dsn puts every per-connection setting in the connection string because
// database/sql opens connections on its own: a PRAGMA run once after Open
// would reach only one of them. _txlock=immediate makes every read-write
// transaction BEGIN IMMEDIATE, taking the write lock up front, so concurrent
// writers queue under busy_timeout instead of failing when a read lock
// cannot be upgraded. (The journal mode is a property of the file: see
// useWAL.)
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Close closes the database.
func (e *Engine) Close() error {
	return e.db.Close()
}

// Path is the absolute path of the database file.
func (e *Engine) Path() string {
	return e.path
}

// SetClock replaces the clock that stamps CreatedAt; nil restores time.Now.
// Meant for tests.
func (e *Engine) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	e.mu.Lock()
	e.now = now
	e.mu.Unlock()
}

func (e *Engine) clock() time.Time {
	e.mu.Lock()
	now := e.now
	e.mu.Unlock()
	return now()
}

// write runs fn in a BEGIN IMMEDIATE transaction and commits if fn returns
// nil.
func (e *Engine) write(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write to %s: %w", e.path, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit to %s: %w", e.path, err)
	}
	return nil
}

// read runs fn in a read-only transaction, so that the queries in fn see one
// snapshot even while other processes write.
func (e *Engine) read(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := e.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("read %s: %w", e.path, err)
	}
	defer tx.Rollback()
	return fn(tx)
}
