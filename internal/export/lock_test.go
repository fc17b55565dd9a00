package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
)

// putLock writes a lock as another export would have left it.
func putLock(t *testing.T, tg *Target, info lockInfo) {
	t.Helper()
	data, _ := json.Marshal(info)
	if err := tg.Store.Put(context.Background(), tg.key(lockKey), bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
}

// TestBusyTargetKeepsTheRunningExportsFiles has an export hold the lock
// with a batch pending, as a running one does; a second export into the
// target stops and removes nothing. Once the first is gone, the next run
// undoes its batch.
func TestBusyTargetKeepsTheRunningExportsFiles(t *testing.T) {
	objs, want := corpus(t, 2)
	dir := t.TempDir()
	tg := target(t, dir)
	ctx := context.Background()
	l, _, err := acquire(ctx, tg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	live := "flowlog=web01/date=2026-11-24/hour=22/part-live-0000.parquet"
	if err := tg.Store.Put(ctx, live, strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	note, _ := json.Marshal(pending{Batch: "live", Files: []string{live}})
	if err := tg.Store.Put(ctx, pendingDir+"live.json", bytes.NewReader(note), int64(len(note))); err != nil {
		t.Fatal(err)
	}

	_, err = Run(ctx, tg, []flowlog.Objects{objs}, Options{})
	var busy *BusyError
	if !errors.As(err, &busy) {
		t.Fatalf("a second export = %v, want a BusyError", err)
	}
	if busy.Holder.PID != os.Getpid() || !strings.HasSuffix(busy.Lock, "_flowlog_export/lock") {
		t.Errorf("BusyError names %+v, lock %q", busy.Holder, busy.Lock)
	}
	for _, key := range []string{live, pendingDir + "live.json"} {
		if _, err := tg.Store.Stat(ctx, key); err != nil {
			t.Errorf("the running export's %s: %v", key, err)
		}
	}
	if m, _ := readManifest(ctx, tg); m.Len() != 0 {
		t.Errorf("the refused export committed %d objects", m.Len())
	}

	l.release(ctx)
	if _, err := tg.Store.Stat(ctx, lockKey); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("lock after release: %v", err)
	}
	st, err := Run(ctx, tg, []flowlog.Objects{objs}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Undone != 1 {
		t.Errorf("undone %d files of the batch left behind, want 1", st.Undone)
	}
	if got := exported(t, dir); !slices.Equal(got, want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
}

// TestGoneHolder: a lock is taken over when its export stopped refreshing
// it, or ran here and its process has ended; not while it is fresh and its
// process lives (or cannot be judged: another machine).
func TestGoneHolder(t *testing.T) {
	host, _ := os.Hostname()
	proc := procIdentity(host)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := cmd.Process.Pid
	now := time.Now()
	tests := []struct {
		name    string
		holder  lockInfo
		takeOve bool
	}{
		{"fresh, this process", lockInfo{Host: host, PID: os.Getpid(), Proc: proc, Refreshed: now}, false},
		{"fresh, a live process here", lockInfo{Host: host, PID: os.Getppid(), Proc: proc, Refreshed: now}, false},
		{"fresh, another machine", lockInfo{Host: "elsewhere", PID: deadPID, Proc: "elsewhere/boot/ns", Refreshed: now}, false},
		{"refreshed 4m ago", lockInfo{Host: "elsewhere", PID: 1, Refreshed: now.Add(-4 * time.Minute)}, false},
		{"refreshed 6m ago", lockInfo{Host: "elsewhere", PID: 1, Refreshed: now.Add(-6 * time.Minute)}, true},
		{"a dead process here", lockInfo{Host: host, PID: deadPID, Proc: proc, Refreshed: now}, proc != ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tg := target(t, dir)
			tt.holder.ID, tt.holder.Started = "theirs", now.Add(-time.Hour)
			putLock(t, tg, tt.holder)
			l, _, err := acquire(context.Background(), tg, Options{})
			var busy *BusyError
			switch {
			case tt.takeOve && err != nil:
				t.Fatalf("lock not taken over: %v", err)
			case tt.takeOve:
				defer l.release(context.Background())
				if l.tookOver == nil || l.tookOver.ID != "theirs" {
					t.Errorf("took over %+v", l.tookOver)
				}
			case !errors.As(err, &busy):
				if err == nil {
					l.release(context.Background())
				}
				t.Fatalf("acquire = %v, want a BusyError", err)
			}
		})
	}
}

// takeoverStore is a folder in which another export takes the lock over
// just as this one writes its first Parquet file: as if this one had
// stalled (a suspended laptop) for longer than LockStale.
type takeoverStore struct {
	*local.Store
	done atomic.Bool
}

func (s *takeoverStore) Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	if strings.HasSuffix(key, ".parquet") && !s.done.Swap(true) {
		data, _ := json.Marshal(lockInfo{ID: "usurper", Host: "elsewhere", PID: 1, Refreshed: time.Now()})
		if err := s.Store.Put(ctx, lockKey, bytes.NewReader(data), int64(len(data))); err != nil {
			return err
		}
	}
	return s.Store.Put(ctx, key, body, size)
}

// TestLostLockCommitsNothing: an export whose lock was taken over stops
// before its manifest says anything, and leaves the new holder's lock.
func TestLostLockCommitsNothing(t *testing.T) {
	objs, _ := corpus(t, 2)
	dir := t.TempDir()
	ls, _ := local.New(dir)
	tg := &Target{Store: &takeoverStore{Store: ls}}
	_, err := Run(context.Background(), tg, []flowlog.Objects{objs}, Options{MaxRows: 300, CommitRows: 900})
	var lost *LostLockError
	if !errors.As(err, &lost) {
		t.Fatalf("Run = %v, want a LostLockError", err)
	}
	if m, err := readManifest(context.Background(), tg); err != nil || m.Len() != 0 {
		t.Fatalf("after losing the lock the manifest lists %d objects (%v), want none", m.Len(), err)
	}
	data, err := os.ReadFile(filepath.Join(dir, lockKey))
	if err != nil || !strings.Contains(string(data), "usurper") {
		t.Fatalf("the new holder's lock: %q, %v", data, err)
	}
}

// TestRefreshKeepsTheLock: a long export refreshes its lock, so it never
// looks stale to a second one.
func TestRefreshKeepsTheLock(t *testing.T) {
	tg := target(t, t.TempDir())
	ctx := context.Background()
	l, lctx, err := acquire(ctx, tg, Options{LockRefresh: 5 * time.Millisecond, LockStale: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.release(ctx)
	for range 4 {
		time.Sleep(100 * time.Millisecond)
		other, _, err := acquire(ctx, tg, Options{LockStale: 200 * time.Millisecond})
		var busy *BusyError
		if !errors.As(err, &busy) {
			if err == nil {
				other.release(ctx)
			}
			t.Fatalf("second acquire of a refreshed lock = %v, want BusyError", err)
		}
	}
	if lctx.Err() != nil {
		t.Fatalf("the holder's context ended: %v", context.Cause(lctx))
	}
}

// landedStore is a folder whose first refresh of the lock lands but is
// answered with a failed precondition: a reply lost, and the retry turned
// down because the first attempt had already changed the tag.
type landedStore struct {
	*local.Store
	refreshed atomic.Bool
}

func (s *landedStore) PutIf(ctx context.Context, key string, body io.ReadSeeker, size int64, ifMatch string) (string, error) {
	tag, err := s.Store.PutIf(ctx, key, body, size, ifMatch)
	if err == nil && ifMatch != "" && !s.refreshed.Swap(true) {
		return "", objstore.ErrPrecondition
	}
	return tag, err
}

// TestRefreshThatLandedKeepsTheLock: a refresh that landed though its
// answer said otherwise does not count as a lost lock, and the next
// refresh goes on from the tag the lock has.
func TestRefreshThatLandedKeepsTheLock(t *testing.T) {
	ls, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	store := &landedStore{Store: ls}
	tg := &Target{Store: store}
	ctx := context.Background()
	l, _, err := acquire(ctx, tg, Options{LockRefresh: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer l.release(ctx)
	for i := range 2 {
		if err := l.check(ctx); err != nil {
			t.Fatalf("refresh %d: %v", i+1, err)
		}
	}
	if !store.refreshed.Load() {
		t.Fatal("no refresh was answered with a failed precondition: the test tested nothing")
	}
}
