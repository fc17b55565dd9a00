package s3store_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/miniotest"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// logLines collects a store's log.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// proxied is a store reading a fresh bucket through a fault proxy, with one
// object of size random bytes under key "k". Its read timeout is
// stallTimeout, short so that the tests of stalls are quick: a loaded
// machine can exceed it without a stall, so a test that does not inject
// stalls passes 0, the default.
func proxied(t *testing.T, size int, plan miniotest.Plan, attempts int, stallTimeout time.Duration) (*s3store.Store, *miniotest.FaultProxy, []byte, *s3store.Counters, *logLines) {
	t.Helper()
	srv := miniotest.Start(t)
	cfg := srv.Config(newBucket(t, srv))
	data := make([]byte, size)
	rand.Read(data)
	if err := newStore(t, cfg).Put(t.Context(), "k", bytes.NewReader(data), int64(size)); err != nil {
		t.Fatal(err)
	}
	proxy := miniotest.StartFaultProxy(t, srv.Endpoint, plan)
	cfg.Endpoint = proxy.URL
	cfg.ReadTimeout = stallTimeout
	cfg.MaxAttempts = attempts
	cfg.Counters = &s3store.Counters{}
	log := &logLines{}
	cfg.Log = log.add
	return newStore(t, cfg), proxy, data, cfg.Counters, log
}

func TestOpenResumesCutsStallsAndThrottling(t *testing.T) {
	faults := []miniotest.Fault{
		{Kind: miniotest.Cut, After: 10000},
		{Kind: miniotest.Stall, After: 10000},
		{Kind: miniotest.SlowDown},
	}
	plan := func(key string, attempt int) miniotest.Fault {
		if attempt < len(faults) {
			return faults[attempt]
		}
		return miniotest.Fault{Kind: miniotest.Pass}
	}
	// A second, not less: on a loaded machine a request that is not
	// stalled can go 300 ms without data, and be counted as a fourth
	// retry.
	s, _, want, counters, log := proxied(t, 256<<10, plan, 0, time.Second)
	r, err := s.Open(t.Context(), "k")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		t.Fatalf("reading through a cut, a stall and a 503: %v\nlog:\n%s", err, log)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, not the object's %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}
	if n := counters.Retries.Load(); n != 3 {
		t.Errorf("Retries = %d, want 3\nlog:\n%s", n, log)
	}
	// Resumed at 10000 after the cut, and at 20000 after the stall (the
	// 503 answered the first request for 20000 on).
	if n := counters.ResumedBytes.Load(); n != 30000 {
		t.Errorf("ResumedBytes = %d, want 30000", n)
	}
	for _, reason := range []string{"from byte 10000", "no data for 1s at byte 20000", "503 SlowDown"} {
		if !strings.Contains(log.String(), reason) {
			t.Errorf("log does not give the reason %q:\n%s", reason, log)
		}
	}
}

func TestOpenGivesUpNamingTheObject(t *testing.T) {
	for _, kind := range []miniotest.FaultKind{miniotest.SlowDown, miniotest.Cut, miniotest.Stall, miniotest.Refuse} {
		t.Run(kind.String(), func(t *testing.T) {
			s, proxy, _, counters, _ := proxied(t, 4096, nil, 3, 300*time.Millisecond)
			proxy.FailAlways("k", kind)
			var err error
			r, err := s.Open(t.Context(), "k")
			if err == nil {
				_, err = io.ReadAll(r)
				r.Close()
			}
			if err == nil {
				t.Fatal("every attempt failed, yet the read succeeded")
			}
			if msg := err.Error(); !strings.Contains(msg, "/k") || !strings.Contains(msg, "after 3 attempts") {
				t.Errorf("error = %q, want the object named and the attempts counted", msg)
			}
			if n := counters.Retries.Load(); n != 2 {
				t.Errorf("Retries = %d, want 2", n)
			}
		})
	}
}

func TestOpenRefusesAReplacedObject(t *testing.T) {
	// Every read of the old object is cut after 1000 bytes, not only the
	// first: should a request be retried before the object is replaced
	// (a slow machine), the one that brings the first 1000 bytes still
	// ends without the rest, so the rest must be asked for again after
	// the replacement.
	var replaced atomic.Bool
	plan := func(key string, attempt int) miniotest.Fault {
		if !replaced.Load() {
			return miniotest.Fault{Kind: miniotest.Cut, After: 1000}
		}
		return miniotest.Fault{Kind: miniotest.Pass}
	}
	s, proxy, want, _, log := proxied(t, 8192, plan, 0, 0)
	r, err := s.Open(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	head := make([]byte, 1000)
	if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, want[:1000]) {
		t.Fatalf("first 1000 bytes: %v", err)
	}
	other := bytes.Repeat([]byte("x"), len(want))
	if err := s.Put(t.Context(), "k", bytes.NewReader(other), int64(len(other))); err != nil {
		t.Fatal(err)
	}
	replaced.Store(true)
	rest, err := io.ReadAll(r)
	if err == nil || !strings.Contains(err.Error(), "replaced") {
		t.Fatalf("reading on after the object was replaced: %d bytes, error %v; want an error saying so\nlog:\n%s", len(rest), err, log)
	}
	if bytes.Contains(rest, []byte("xxxx")) {
		t.Error("bytes of the new object were appended to the old one's")
	}
	if n := proxy.Injected()[miniotest.Cut]; n == 0 {
		t.Error("no read was cut: the test did not read across a replacement")
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestNoMetadataService checks that without credentials the chain does not
// ask the EC2 instance metadata service unless told to, and that the SDK's
// own log goes to Config.Log.
func TestNoMetadataService(t *testing.T) {
	var asked atomic.Int64
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "no", http.StatusNotFound)
	}))
	defer imds.Close()
	for _, enabled := range []bool{false, true} {
		clearAWSEnv(t)
		t.Setenv("AWS_EC2_METADATA_DISABLED", "")
		t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)
		asked.Store(0)
		log := &logLines{}
		s := newStore(t, s3store.Config{
			Bucket: "logs", Endpoint: "http://127.0.0.1:1", MaxAttempts: 1,
			EC2Metadata: enabled, Log: log.add,
		})
		start := time.Now()
		err := s.BucketExists(t.Context())
		if !errors.Is(err, objstore.ErrAccessDenied) {
			t.Errorf("EC2Metadata %v: BucketExists without credentials = %v, want ErrAccessDenied", enabled, err)
		}
		switch n := asked.Load(); {
		case !enabled && n != 0:
			t.Errorf("the metadata service was asked %d times, though not enabled", n)
		case enabled && n == 0:
			t.Errorf("EC2Metadata: true, yet the metadata service was not asked")
		}
		if d := time.Since(start); !enabled && d > 2*time.Second {
			t.Errorf("finding no credentials took %v", d)
		}
	}
}

// TestReadRange reads parts of an object as io.ReaderAt would, through a
// proxy that cuts every other request after 3000 bytes: each range comes
// back whole (those longer than 3000 bytes resumed within their range),
// the bytes past the end are not there, and an object replaced since its
// ETag was taken is refused.
func TestReadRange(t *testing.T) {
	plan := func(key string, attempt int) miniotest.Fault {
		if attempt%2 == 1 {
			return miniotest.Fault{Kind: miniotest.Cut, After: 3000}
		}
		return miniotest.Fault{Kind: miniotest.Pass}
	}
	s, proxy, want, counters, log := proxied(t, 100_000, plan, 0, 0)
	ctx := t.Context()
	obj, err := s.Stat(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ off, n int }{{0, 10}, {99_990, 10}, {5000, 40_000}, {0, 100_000}, {1234, 1}} {
		p := make([]byte, r.n)
		n, err := s.ReadRange(ctx, "k", obj.ETag, p, int64(r.off))
		if err != nil || n != r.n || !bytes.Equal(p, want[r.off:r.off+r.n]) {
			t.Errorf("ReadRange(%d, %d bytes) = %d, %v; differs at %d\nlog:\n%s", r.off, r.n, n, err, firstDiff(p[:n], want[r.off:r.off+n]), log)
		}
	}
	if proxy.Injected()[miniotest.Cut] < 2 || counters.ResumedBytes.Load() < 2*3000 {
		t.Errorf("no range was cut and resumed (cuts %d, resumed %d bytes)", proxy.Injected()[miniotest.Cut], counters.ResumedBytes.Load())
	}
	p := make([]byte, 100)
	if n, err := s.ReadRange(ctx, "k", obj.ETag, p, 99_950); n != 50 || err != io.EOF || !bytes.Equal(p[:50], want[99_950:]) {
		t.Errorf("a range past the end: %d bytes, %v; want the 50 there and io.EOF", n, err)
	}
	if n, err := s.ReadRange(ctx, "k", obj.ETag, p, 100_000); n != 0 || err != io.EOF {
		t.Errorf("a range at the end: %d bytes, %v; want io.EOF", n, err)
	}

	other := bytes.Repeat([]byte("x"), len(want))
	if err := s.Put(ctx, "k", bytes.NewReader(other), int64(len(other))); err != nil {
		t.Fatal(err)
	}
	n, err := s.ReadRange(ctx, "k", obj.ETag, p, 0)
	if !errors.Is(err, objstore.ErrChanged) || !strings.Contains(err.Error(), "k") {
		t.Errorf("a range of a replaced object: %d bytes, %v; want ErrChanged naming the object", n, err)
	}
}
