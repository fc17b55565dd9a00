package miniotest

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// FaultKind is what a FaultProxy does to one object read.
type FaultKind int

const (
	Pass     FaultKind = iota // forward it untouched
	SlowDown                  // answer 503 SlowDown, as a throttling S3 does
	Cut                       // send the headers and After bytes, then drop the connection
	Stall                     // send the headers and After bytes, then nothing until the client gives up
	Refuse                    // drop the connection before any answer, as an outage does
)

func (k FaultKind) String() string {
	return [...]string{"pass", "slowdown", "cut", "stall", "refuse"}[k]
}

// discardLog keeps the proxy's connection errors, which it causes on
// purpose, out of the test output.
var discardLog = log.New(io.Discard, "", 0)

// Fault is what to do to one request.
type Fault struct {
	Kind  FaultKind
	After int64 // for Cut and Stall: bytes of the body sent first
}

// Plan decides the fault for the attempt-th request (0, 1, ...) for an
// object's key, so that the faults of a run do not depend on the order in
// which concurrent requests arrive.
type Plan func(key string, attempt int) Fault

// SeededPlan injects each fault with its probability, drawn from a hash of
// seed, key and attempt: the same seed makes the same faults. Cuts and
// stalls happen after cutAfter bytes, or half the body if it is shorter.
func SeededPlan(seed uint64, slowDown, cut, stall float64, cutAfter int64) Plan {
	return func(key string, attempt int) Fault {
		h := fnv.New64a()
		var b [16]byte
		binary.LittleEndian.PutUint64(b[:8], seed)
		binary.LittleEndian.PutUint64(b[8:], uint64(attempt))
		h.Write(b[:])
		h.Write([]byte(key))
		u := float64(h.Sum64()>>11) / (1 << 53)
		switch {
		case u < slowDown:
			return Fault{Kind: SlowDown}
		case u < slowDown+cut:
			return Fault{Kind: Cut, After: cutAfter}
		case u < slowDown+cut+stall:
			return Fault{Kind: Stall, After: cutAfter}
		}
		return Fault{Kind: Pass}
	}
}

// FaultProxy is a reverse proxy in front of an S3 server, on loopback,
// that injects faults into the reads of objects (GET requests for a key):
// throttling, connections cut in the middle of a body, bodies that stall.
// Other requests (listings, writes) pass, unless the proxy is Down.
type FaultProxy struct {
	URL string // "http://127.0.0.1:PORT"

	target string
	srv    *http.Server
	client *http.Client
	done   chan struct{} // closed when the proxy closes: stalls end

	mu       sync.Mutex
	delay    time.Duration
	plan     Plan
	failKeys map[string]FaultKind
	down     bool
	readsOff bool
	attempts map[string]int
	injected map[FaultKind]int
}

// StartFaultProxy proxies to the server at target ("http://host:port")
// with plan (nil passes everything), until the test ends.
func StartFaultProxy(t testing.TB, target string, plan Plan) *FaultProxy {
	t.Helper()
	p, err := NewFaultProxy("127.0.0.1:0", target, plan)
	if err != nil {
		t.Fatalf("fault proxy: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// NewFaultProxy starts a proxy listening on addr, outside a test (the
// benchmark script's faultproxy command); Close stops it.
func NewFaultProxy(addr, target string, plan Plan) (*FaultProxy, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &FaultProxy{
		URL:      "http://" + l.Addr().String(),
		target:   strings.TrimSuffix(target, "/"),
		client:   &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}},
		done:     make(chan struct{}),
		plan:     plan,
		failKeys: map[string]FaultKind{},
		attempts: map[string]int{},
		injected: map[FaultKind]int{},
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ErrorLog: discardLog}
	go p.srv.Serve(l)
	return p, nil
}

// Close stops the proxy and ends every stall.
func (p *FaultProxy) Close() {
	p.mu.Lock()
	select {
	case <-p.done:
	default:
		close(p.done)
	}
	p.mu.Unlock()
	p.srv.Close()
	p.client.CloseIdleConnections()
}

// FailAlways makes every read of key fail with kind (SlowDown, Cut after
// no byte, Stall before any byte, Refuse).
func (p *FaultProxy) FailAlways(key string, kind FaultKind) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failKeys[key] = kind
}

// SetReadsDown refuses every read of an object (its connection dropped
// unanswered) while listings and writes still pass, as a store whose data
// servers are out while its index answers; or ends that.
func (p *FaultProxy) SetReadsDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.readsOff = down
}

// SetDelay adds d before every request is forwarded, as a bucket tens of
// milliseconds away adds it to each round trip.
func (p *FaultProxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// SetDown takes the bucket away (every request's connection is dropped)
// or brings it back.
func (p *FaultProxy) SetDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

// Injected returns how many faults of each kind were injected so far;
// Refuse counts the requests dropped while Down, too.
func (p *FaultProxy) Injected() map[FaultKind]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := make(map[FaultKind]int, len(p.injected))
	for k, v := range p.injected {
		m[k] = v
	}
	return m
}

// objectKey is the key a path-style GET reads, "" for other requests.
func objectKey(r *http.Request) string {
	if r.Method != http.MethodGet || r.URL.RawQuery != "" && !strings.Contains(r.URL.RawQuery, "x-id=GetObject") {
		return ""
	}
	_, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return key
}

func (p *FaultProxy) decide(r *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := Fault{Kind: Pass}
	key := objectKey(r)
	switch kind, always := p.failKeys[key]; {
	case p.down:
		f = Fault{Kind: Refuse}
	case key == "":
	case p.readsOff:
		f = Fault{Kind: Refuse}
	case always:
		f = Fault{Kind: kind}
	case p.plan != nil:
		f = p.plan(key, p.attempts[key])
		p.attempts[key]++
	}
	if f.Kind != Pass {
		p.injected[f.Kind]++
	}
	return f
}

func (p *FaultProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	delay := p.delay
	p.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	f := p.decide(r)
	switch f.Kind {
	case Refuse:
		panic(http.ErrAbortHandler) // the connection is closed unanswered
	case SlowDown:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><Resource>%s</Resource></Error>`, r.URL.Path)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	out.Host = r.Host // the signature covers the Host the client sent
	out.ContentLength = r.ContentLength
	if r.ContentLength == 0 {
		out.Body = nil
	}
	resp, err := p.client.Do(out)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	if f.Kind == Pass || resp.StatusCode/100 != 2 {
		io.Copy(w, resp.Body)
		return
	}
	after := f.After
	if resp.ContentLength >= 0 && after >= resp.ContentLength {
		after = resp.ContentLength / 2
	}
	io.CopyN(w, resp.Body, after)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	if f.Kind == Stall {
		select {
		case <-r.Context().Done():
		case <-p.done:
		}
	}
	panic(http.ErrAbortHandler)
}
