package export

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/flowlog/flowlog/internal/objstore"
)

// An export holds a lock on its target while it runs, so that a second
// export into the same target (a cron job that overran) cannot take the
// first one's uncommitted files for an interrupted run's and delete them,
// nor convert the same objects twice.
//
// The lock is one object, created only if absent and refreshed only if
// unchanged (objstore.ConditionalPutter: a hard link in a folder,
// If-None-Match/If-Match on S3), so exactly one export holds it. A lock
// whose holder is gone is taken over, with the same compare-and-swap: the
// holder is gone when it ran on this machine (same boot and PID namespace)
// and its process no longer exists, or when it has not refreshed the lock
// for LockStale. A holder that finds its lock taken stops before it
// commits anything.
const lockKey = metaDir + "/lock"

const (
	defaultLockRefresh = 15 * time.Second
	defaultLockStale   = 5 * time.Minute
)

// lockInfo is the content of the lock: who holds it.
type lockInfo struct {
	ID        string    `json:"id"`
	Host      string    `json:"host"`
	PID       int       `json:"pid"`
	Proc      string    `json:"proc,omitempty"` // where PID names a process: host, boot, PID namespace
	Started   time.Time `json:"started"`
	Refreshed time.Time `json:"refreshed"`
}

// BusyError means another export holds the target's lock.
type BusyError struct {
	Target string // the target, for messages
	Lock   string // the lock object, as the user would remove it
	Holder lockInfo
	Now    time.Time
}

func (e *BusyError) Error() string {
	ago := max(e.Now.Sub(e.Holder.Refreshed), 0) // clocks differ a little
	return fmt.Sprintf("another export into %s is running since %s (pid %d on %s, lock refreshed %s ago); wait for it, or remove %s if it died",
		e.Target, e.Holder.Started.UTC().Format(time.RFC3339), e.Holder.PID, e.Holder.Host,
		ago.Round(time.Second), e.Lock)
}

// LostLockError means another export took the lock over while this one
// ran (it had not refreshed the lock for too long); this one stopped
// without committing what it was writing.
type LostLockError struct {
	Target string
	Err    error
}

func (e *LostLockError) Error() string {
	return fmt.Sprintf("lost the lock on %s to another export (%v); stopped before committing the batch in progress", e.Target, e.Err)
}

func (e *LostLockError) Unwrap() error { return e.Err }

// lease is a held lock.
type lease struct {
	t       *Target
	cp      objstore.ConditionalPutter
	refresh time.Duration
	stale   time.Duration
	now     func() time.Time

	mu       sync.Mutex
	info     lockInfo
	tag      string
	lastOK   time.Time
	lost     error
	tookOver *lockInfo // the dead export whose lock this one took

	cancel context.CancelCauseFunc
	stop   chan struct{}
	done   chan struct{}
}

// acquire takes the target's lock, or says who holds it (*BusyError). The
// returned context ends when the lock is lost; release ends the lease.
func acquire(ctx context.Context, t *Target, opts Options) (*lease, context.Context, error) {
	cp, ok := t.Store.(objstore.ConditionalPutter)
	if !ok {
		return nil, nil, fmt.Errorf("%s cannot be locked against a second export (no conditional writes)", t)
	}
	l := &lease{
		t: t, cp: cp,
		refresh: cmp.Or(opts.LockRefresh, defaultLockRefresh),
		stale:   cmp.Or(opts.LockStale, defaultLockStale),
		now:     time.Now,
	}
	host, _ := os.Hostname()
	now := l.now().UTC()
	l.info = lockInfo{ID: newBatchID(), Host: host, PID: os.Getpid(), Proc: procIdentity(host), Started: now, Refreshed: now}
	key := t.key(lockKey)
	for range 8 {
		body := l.body()
		tag, err := cp.PutIf(ctx, key, bytes.NewReader(body), int64(len(body)), "")
		if err == nil {
			l.tag = tag
			break
		}
		if !errors.Is(err, objstore.ErrPrecondition) {
			return nil, nil, fmt.Errorf("lock %s: %w", t, err)
		}
		// Held: by whom, and are they still there? The tag is read
		// before the content, so a takeover with it fails if the
		// content read is newer.
		tag, holder, err := l.read(ctx)
		if errors.Is(err, objstore.ErrNotFound) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, nil, err
		}
		if holder.ID == l.info.ID {
			l.tag = tag // our own create, retried after it had arrived
			break
		}
		if !l.gone(holder) {
			return nil, nil, &BusyError{Target: t.String(), Lock: t.String() + "/" + lockKey, Holder: holder, Now: l.now()}
		}
		body = l.body()
		newTag, err := cp.PutIf(ctx, key, bytes.NewReader(body), int64(len(body)), tag)
		if errors.Is(err, objstore.ErrPrecondition) {
			continue // someone else moved first: look again
		}
		if err != nil {
			return nil, nil, fmt.Errorf("lock %s: %w", t, err)
		}
		l.tag, l.tookOver = newTag, &holder
		break
	}
	if l.tag == "" {
		return nil, nil, fmt.Errorf("lock %s: the lock changed hands 8 times while this export tried to take it", t)
	}
	l.lastOK = l.now()
	lctx, cancel := context.WithCancelCause(ctx)
	l.cancel, l.stop, l.done = cancel, make(chan struct{}), make(chan struct{})
	go l.keep(lctx)
	return l, lctx, nil
}

func (l *lease) body() []byte {
	data, _ := json.Marshal(l.info)
	return data
}

// read returns the lock's tag and content.
func (l *lease) read(ctx context.Context) (string, lockInfo, error) {
	var info lockInfo
	key := l.t.key(lockKey)
	tag, err := l.cp.Tag(ctx, key)
	if err != nil {
		return "", info, err
	}
	rc, err := l.t.Store.Open(ctx, key)
	if err != nil {
		return "", info, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil {
		return "", info, fmt.Errorf("read %s/%s: %w", l.t, lockKey, err)
	}
	if err := json.Unmarshal(data, &info); err != nil || info.ID == "" {
		return "", info, fmt.Errorf("%s/%s is not an export's lock; remove it if no export is running", l.t, lockKey)
	}
	return tag, info, nil
}

// gone reports whether the holder of a lock is certainly not running: it
// ran here and its process has ended, or it stopped refreshing the lock.
func (l *lease) gone(holder lockInfo) bool {
	if l.now().Sub(holder.Refreshed) > l.stale {
		return true
	}
	return holder.Proc != "" && holder.Proc == l.info.Proc && holder.PID != l.info.PID && !processAlive(holder.PID)
}

// keep refreshes the lock until release, and cancels the run if the lock
// is lost or cannot be refreshed for half of LockStale (another export
// might take it over soon after).
func (l *lease) keep(ctx context.Context) {
	defer close(l.done)
	tick := time.NewTicker(l.refresh)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := l.check(ctx); err != nil {
			var lost *LostLockError
			if errors.As(err, &lost) || l.now().Sub(l.lastSeen()) > l.stale/2 {
				l.cancel(err)
				return
			}
		}
	}
}

func (l *lease) lastSeen() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastOK
}

// check refreshes the lock now: nil means it is still this export's for
// at least LockStale. Call it before a step that must not happen under
// another holder (committing a batch).
func (l *lease) check(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return l.lost
	}
	l.info.Refreshed = l.now().UTC()
	body := l.body()
	tag, err := l.cp.PutIf(ctx, l.t.key(lockKey), bytes.NewReader(body), int64(len(body)), l.tag)
	if errors.Is(err, objstore.ErrPrecondition) {
		// A refresh whose answer was lost may have landed all the same
		// (and been retried against the old tag): the lock is still this
		// export's if it holds this export's ID, which no other writes.
		if cur, holder, rerr := l.read(ctx); rerr == nil && holder.ID == l.info.ID {
			l.tag, l.lastOK = cur, l.now()
			return nil
		}
		l.lost = &LostLockError{Target: l.t.String(), Err: err}
		return l.lost
	}
	if err != nil {
		return fmt.Errorf("refresh the lock on %s: %w", l.t, err)
	}
	l.tag, l.lastOK = tag, l.now()
	return nil
}

// release stops refreshing and removes the lock if it is still this
// export's.
func (l *lease) release(ctx context.Context) {
	close(l.stop)
	<-l.done
	l.cancel(nil)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost != nil {
		return
	}
	ctx = context.WithoutCancel(ctx) // an interrupted export still unlocks
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	key := l.t.key(lockKey)
	if tag, err := l.cp.Tag(ctx, key); err == nil && tag == l.tag {
		l.t.Store.Delete(ctx, []string{key})
	}
}
