package cloudapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/flowlog/registrytest"
	"github.com/flowlog/flowlog/internal/serve"
)

const (
	testToken    = "tok-3f9a1c77e2b54d0c9a8e"
	testUser     = "ops@example.com"
	testPassword = "pw-b1d2e3f4a5c6-secret"
)

// served is 'flowlog serve' on loopback, over a new engine, with the
// handler wrapped by wrap (nil: as it is).
type served struct {
	url    string
	engine *engine.Engine
}

func startServe(t testing.TB, opts serve.Options, wrap func(http.Handler) http.Handler) served {
	t.Helper()
	e, err := engine.Open(context.Background(), filepath.Join(t.TempDir(), "serve.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if !opts.Credentials.Configured() {
		opts.Credentials = serve.Credentials{Token: testToken, Username: testUser, Password: testPassword}
	}
	s, err := serve.New(e, opts)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = s
	if wrap != nil {
		h = wrap(s)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return served{url: ts.URL, engine: e}
}

func newRegistry(t testing.TB, cfg Config) *Registry {
	t.Helper()
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 10 * time.Millisecond
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRegistry holds the Cloud API backend, talking to 'flowlog serve' on
// loopback, to the suite every flowlog.Registry passes. The server answers
// RUNNING to the first poll of every request, so every change is waited for.
func TestRegistry(t *testing.T) {
	t.Run("token", func(t *testing.T) {
		registrytest.Run(t, func(t *testing.T) flowlog.Registry {
			s := startServe(t, serve.Options{RunningPolls: 1}, nil)
			return newRegistry(t, Config{URL: s.url, Token: testToken})
		})
	})
	t.Run("basic", func(t *testing.T) {
		registrytest.Run(t, func(t *testing.T) flowlog.Registry {
			s := startServe(t, serve.Options{}, nil)
			return newRegistry(t, Config{URL: s.url + "/cloudapi/v6", Username: testUser, Password: testPassword})
		})
	})
}

func TestNoCredentials(t *testing.T) {
	for _, cfg := range []Config{{URL: "http://127.0.0.1:1"}, {URL: "http://127.0.0.1:1", Username: testUser}} {
		_, err := New(cfg)
		if !errors.Is(err, flowlog.ErrDenied) || !errors.Is(err, ErrNoCredentials) {
			t.Errorf("New(%+v) = %v; want ErrNoCredentials, matching flowlog.ErrDenied", cfg, err)
		}
	}
}

// TestErrors: the API's answers become the Registry errors, and no
// credential appears in a message, even when the server quotes it back.
func TestErrors(t *testing.T) {
	ctx := context.Background()
	echo := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("echo") != "" || strings.Contains(r.URL.Path, "echo") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"httpStatus":401,"messages":[{"errorCode":"315","message":"bad header: ` + r.Header.Get("Authorization") + `"}]}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	s := startServe(t, serve.Options{}, echo)

	wrongToken := newRegistry(t, Config{URL: s.url, Token: "not-" + testToken})
	_, err := wrongToken.List(ctx, flowlog.ListFilter{})
	var apiErr *Error
	if !errors.Is(err, flowlog.ErrDenied) || !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || apiErr.Hint() == "" {
		t.Errorf("wrong token: err = %v; want a 401 *Error with a hint, matching flowlog.ErrDenied", err)
	}

	r := newRegistry(t, Config{URL: s.url, Token: testToken})
	_, err = r.List(ctx, flowlog.ListFilter{DatacenterID: "echo0000-0000-4000-8000-000000000000"})
	if err == nil || strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "REDACTED") {
		t.Errorf("a server quoting the token: err = %v; want the token redacted", err)
	}
	basic := newRegistry(t, Config{URL: s.url, Username: testUser, Password: testPassword})
	_, err = basic.List(ctx, flowlog.ListFilter{DatacenterID: "echo0000-0000-4000-8000-000000000000"})
	if err == nil || strings.Contains(err.Error(), testPassword) || strings.Contains(err.Error(), "b3BzQGV4YW1wbGUuY29t") {
		t.Errorf("a server quoting Basic credentials: err = %v; want them redacted", err)
	}

	nic := flowlog.FlowLog{Name: "web", ResourceType: flowlog.NIC, ResourceID: uuid.NewString(),
		Direction: flowlog.Ingress, Action: flowlog.All, Bucket: "logs"}
	_, err = r.Create(ctx, nic)
	if !errors.Is(err, flowlog.ErrNotFound) {
		t.Errorf("create for a NIC in no data center: err = %v; want flowlog.ErrNotFound", err)
	}
	_, err = r.List(ctx, flowlog.ListFilter{DatacenterID: uuid.NewString()})
	if err != nil {
		t.Errorf("list an empty data center of 'flowlog serve' (every well-formed id exists there): %v", err)
	}
}

// TestCreateFindsTheResource: without --datacenter-id and --server-id,
// create walks the data centers for the resource. 'flowlog serve' knows a
// resource only while it holds a flow log, so the second create proves it
// was found by being refused (422) rather than not found (404).
func TestCreateFindsTheResource(t *testing.T) {
	ctx := context.Background()
	s := startServe(t, serve.Options{}, nil)
	r := newRegistry(t, Config{URL: s.url, Token: testToken})
	for _, typ := range flowlog.ResourceTypes {
		fl := flowlog.FlowLog{Name: "first-" + string(typ), ResourceType: typ, ResourceID: uuid.NewString(), DatacenterID: uuid.NewString(),
			Direction: flowlog.Ingress, Action: flowlog.All, Bucket: "logs"}
		if typ == flowlog.NIC {
			fl.ServerID = uuid.NewString()
		}
		if _, err := r.Create(ctx, fl); err != nil {
			t.Fatal(err)
		}
		again := fl
		again.Name, again.DatacenterID, again.ServerID = "second-"+string(typ), "", ""
		_, err := r.Create(ctx, again)
		if !errors.Is(err, flowlog.ErrRefused) {
			t.Errorf("%s: second create without its location: err = %v; want flowlog.ErrRefused (found, then refused)", typ, err)
		}
	}
}

// counting counts requests, and the most in flight at once.
type counting struct {
	mu                 sync.Mutex
	inFlight, most     int
	byPath             map[string]int
	statusPolls, total atomic.Int64
}

func (c *counting) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.inFlight++
		c.most = max(c.most, c.inFlight)
		c.mu.Unlock()
		c.total.Add(1)
		if strings.HasSuffix(r.URL.Path, "/status") {
			c.statusPolls.Add(1)
		}
		time.Sleep(2 * time.Millisecond) // long enough for requests to overlap
		next.ServeHTTP(w, r)
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
	})
}

// TestListWalksInParallel: list finds every flow log of every kind in every
// data center, with at most Parallel requests in flight, and
// --datacenter-id narrows the walk to one data center's requests.
func TestListWalksInParallel(t *testing.T) {
	ctx := context.Background()
	c := &counting{}
	s := startServe(t, serve.Options{}, c.wrap)
	writer := newRegistry(t, Config{URL: s.url, Token: testToken, NoWait: true})
	var dcs []string
	want := 0
	for range 6 {
		dc := uuid.NewString()
		dcs = append(dcs, dc)
		for _, typ := range flowlog.ResourceTypes {
			for range 2 {
				fl := flowlog.FlowLog{ResourceType: typ, ResourceID: uuid.NewString(), DatacenterID: dc,
					Direction: flowlog.Egress, Action: flowlog.Accepted, Bucket: "logs"}
				if typ == flowlog.NIC {
					fl.ServerID = uuid.NewString()
				}
				if _, err := writer.Create(ctx, fl); err != nil {
					t.Fatal(err)
				}
				want++
			}
		}
	}
	const parallel = 3
	r := newRegistry(t, Config{URL: s.url, Token: testToken, Parallel: parallel})
	c.total.Store(0)
	c.mu.Lock()
	c.most = 0
	c.mu.Unlock()
	list, err := r.List(ctx, flowlog.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != want {
		t.Errorf("list found %d flow logs; want %d", len(list), want)
	}
	stored, err := s.engine.List(ctx, flowlog.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range stored {
		if diff := sameAs(list, stored[i]); diff != "" {
			t.Error(diff)
		}
	}
	everyDC := c.total.Load()
	c.mu.Lock()
	most := c.most
	c.mu.Unlock()
	t.Logf("list of %d flow logs in %d data centers: %d requests, at most %d in flight", want, len(dcs), everyDC, most)
	if most > parallel || most < 2 {
		t.Errorf("at most %d requests in flight; want 2..%d", most, parallel)
	}

	c.total.Store(0)
	one, err := r.List(ctx, flowlog.ListFilter{DatacenterID: dcs[2]})
	if err != nil {
		t.Fatal(err)
	}
	if len(one) != 2*len(flowlog.ResourceTypes) {
		t.Errorf("list --datacenter-id: %d flow logs; want %d", len(one), 2*len(flowlog.ResourceTypes))
	}
	if n := c.total.Load(); n*int64(len(dcs)) > everyDC+int64(len(dcs)) {
		t.Errorf("list --datacenter-id sent %d requests; the walk of all %d data centers sent %d", n, len(dcs), everyDC)
	}
}

// sameAs says how the flow log with want's ID in list differs from want.
func sameAs(list []flowlog.FlowLog, want flowlog.FlowLog) string {
	for _, got := range list {
		if got.ID == want.ID {
			if got != want {
				return "listed " + want.ID + " differs from the server's engine"
			}
			return ""
		}
	}
	return "list lacks " + want.ID
}

// TestWaiting: a change is polled until DONE, with progress; with NoWait it
// is not polled at all.
func TestWaiting(t *testing.T) {
	ctx := context.Background()
	c := &counting{}
	s := startServe(t, serve.Options{RunningPolls: 3}, c.wrap)
	var progress []string
	var mu sync.Mutex
	r := newRegistry(t, Config{URL: s.url, Token: testToken, Progress: func(msg string) {
		mu.Lock()
		progress = append(progress, msg)
		mu.Unlock()
	}})
	fl := flowlog.FlowLog{Name: "web", ResourceType: flowlog.NATGateway, ResourceID: uuid.NewString(), DatacenterID: uuid.NewString(),
		Direction: flowlog.Egress, Action: flowlog.Accepted, Bucket: "logs"}
	created, err := r.Create(ctx, fl)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.statusPolls.Load(); n != 4 {
		t.Errorf("create polled the request %d times; want 4 (RUNNING three times, then DONE)", n)
	}
	mu.Lock()
	if len(progress) != 4 || !strings.Contains(progress[0], "create flow log web for NAT gateway") || !strings.Contains(progress[0], "running") || progress[3] != "" {
		t.Errorf("progress = %q; want three lines saying what runs, then a clear", progress)
	}
	mu.Unlock()

	c.statusPolls.Store(0)
	noWait := newRegistry(t, Config{URL: s.url, Token: testToken, NoWait: true})
	if err := noWait.Delete(ctx, created); err != nil {
		t.Fatal(err)
	}
	if n := c.statusPolls.Load(); n != 0 {
		t.Errorf("delete with NoWait polled %d times; want 0", n)
	}
}

// TestReplaceLosesBoth: when the create after the delete fails, and the
// restore fails too, the error is a *flowlog.ReplaceError naming what was
// deleted.
func TestReplaceLosesBoth(t *testing.T) {
	ctx := context.Background()
	var failPosts atomic.Bool
	s := startServe(t, serve.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && failPosts.Load() {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte(`{"httpStatus":503,"messages":[{"errorCode":"000","message":"maintenance"}]}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	r := newRegistry(t, Config{URL: s.url, Token: testToken})
	old, err := r.Create(ctx, flowlog.FlowLog{Name: "web", ResourceType: flowlog.NLB, ResourceID: uuid.NewString(), DatacenterID: uuid.NewString(),
		Direction: flowlog.Egress, Action: flowlog.Accepted, Bucket: "logs"})
	if err != nil {
		t.Fatal(err)
	}
	next := old
	next.Direction = flowlog.Ingress
	failPosts.Store(true)
	_, err = r.Replace(ctx, old, next)
	var lost *flowlog.ReplaceError
	if !errors.As(err, &lost) || lost.Old != old {
		t.Fatalf("replace with every create failing: err = %v; want a *flowlog.ReplaceError with the old flow log", err)
	}
	for _, want := range []string{"was deleted", "503", "maintenance", "has no flow log now"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if list, _ := s.engine.List(ctx, flowlog.ListFilter{}); len(list) != 0 {
		t.Errorf("the server has %d flow logs; want none", len(list))
	}
}

// BenchmarkList walks 20 data centers, each with a flow log on every kind
// of resource, through a server that takes 30 ms more to answer (a round
// trip to a distant API), one request at a time and eight at a time.
func BenchmarkList(b *testing.B) {
	ctx := context.Background()
	latency := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(30 * time.Millisecond)
			next.ServeHTTP(w, r)
		})
	}
	s := startServe(b, serve.Options{}, latency)
	writer := newRegistry(b, Config{URL: s.url, Token: testToken, NoWait: true})
	const dcs = 20
	for range dcs {
		dc := uuid.NewString()
		for _, typ := range flowlog.ResourceTypes {
			fl := flowlog.FlowLog{ResourceType: typ, ResourceID: uuid.NewString(), DatacenterID: dc,
				Direction: flowlog.Egress, Action: flowlog.Accepted, Bucket: "logs"}
			if typ == flowlog.NIC {
				fl.ServerID = uuid.NewString()
			}
			if _, err := writer.Create(ctx, fl); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, parallel := range []int{1, 8} {
		b.Run(fmt.Sprintf("parallel=%d", parallel), func(b *testing.B) {
			r := newRegistry(b, Config{URL: s.url, Token: testToken, Parallel: parallel})
			for b.Loop() {
				list, err := r.List(ctx, flowlog.ListFilter{})
				if err != nil {
					b.Fatal(err)
				}
				if len(list) != dcs*len(flowlog.ResourceTypes) {
					b.Fatalf("listed %d", len(list))
				}
			}
		})
	}
}
