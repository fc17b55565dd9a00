// Package serve is a stand-in for the IONOS Cloud API v6 flow log
// endpoints, answering from the embedded engine: what 'flowlog serve'
// listens with, and what tests of Cloud API clients start in-process.
//
// It serves, under /cloudapi/v6, the flow logs of NICs, NAT gateways,
// network load balancers and application load balancers (collections and
// items: GET, POST, PUT, PATCH, DELETE), the request status the official
// clients poll, and read-only collections of the data centers, servers,
// NICs, NAT gateways and load balancers that hold flow logs, so a client
// can walk them. The engine's rules hold as they do for the CLI: a second
// flow log on a resource, and any change to a flow log, are refused with
// 422 in the API's error envelope.
//
// There is no inventory of data centers and servers: every path with
// well-formed ids exists. Posting a flow log under
// /datacenters/D/servers/S/nics/N creates data center D, server S and NIC
// N as far as this server is concerned; the collections list those that
// hold flow logs.
package serve

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/flowlog/flowlog/internal/engine"
)

// BasePath is where the API lives, as in https://api.ionos.com/cloudapi/v6.
const BasePath = "/cloudapi/v6"

// Credentials are what a client must present: a Bearer token, HTTP Basic
// credentials, or either of the two when both are set.
type Credentials struct {
	Token    string
	Username string
	Password string
}

// Configured reports whether any way to authenticate is set; New refuses
// Credentials that are not.
func (c Credentials) Configured() bool {
	return c.Token != "" || c.Username != ""
}

// Options configure a server.
type Options struct {
	// Credentials clients must present. Required.
	Credentials Credentials
	// AccessLog receives one line per request in the Combined Log Format;
	// nil for none.
	AccessLog io.Writer
	// ErrorLog receives the details of internal errors, which clients see
	// only as an id; nil for none.
	ErrorLog io.Writer
	// DebugLog receives a line per request saying how it authenticated
	// (the scheme and, for a refusal, why; never a credential) and how
	// long it took; nil for none.
	DebugLog io.Writer
	// RunningPolls is how many reads of a request's status answer RUNNING
	// before DONE, so a client's polling is exercised; 0 answers DONE at
	// once. The engine has done the work before the 202 either way.
	RunningPolls int
	// Now is the clock for request times and the log; nil is time.Now.
	Now func() time.Time
}

// ErrNoCredentials is New's answer to Options without credentials: a server
// anyone can write to is never started by mistake.
var ErrNoCredentials = errors.New("no credentials configured for clients")

// Server is the API over one engine. It is an http.Handler, safe for
// concurrent use.
type Server struct {
	e    *engine.Engine
	opts Options

	// user is who the flow logs appear to be created by: the Basic user
	// name if one is configured, else "flowlog".
	user, userID string

	requests *requestLog
	started  time.Time
}

// New returns the API over e. Serve it on a listener of your own (for a
// test: httptest.NewServer(s)), with clients pointed at
// "http://ADDR/cloudapi/v6" or just "http://ADDR", which the official SDK
// completes.
func New(e *engine.Engine, opts Options) (*Server, error) {
	if !opts.Credentials.Configured() {
		return nil, ErrNoCredentials
	}
	if opts.Credentials.Username != "" && opts.Credentials.Password == "" {
		return nil, errors.New("a user name for clients needs a password")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// Requests are served concurrently; each log gets whole lines.
	for _, w := range []*io.Writer{&opts.AccessLog, &opts.ErrorLog, &opts.DebugLog} {
		if *w != nil {
			*w = &lineWriter{w: *w}
		}
	}
	user := opts.Credentials.Username
	if user == "" {
		user = "flowlog"
	}
	return &Server{
		e:        e,
		opts:     opts,
		user:     user,
		userID:   uuid.NewSHA1(uuid.NameSpaceURL, []byte("flowlog-serve-user:"+user)).String(),
		requests: newRequestLog(maxRequests),
		started:  opts.Now().UTC().Truncate(time.Second),
	}, nil
}

// ServeHTTP authenticates, logs and routes one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.opts.Now()
	lw := &loggingWriter{ResponseWriter: w, status: http.StatusOK}
	user, scheme, refusal := s.authenticate(r)
	if refusal != "" {
		lw.Header().Set("WWW-Authenticate", `Basic realm="flowlog serve", Bearer realm="flowlog serve"`)
		writeError(lw, r, apiError(http.StatusUnauthorized, "unauthorized: %s", refusal))
	} else {
		s.route(lw, r)
	}
	if s.opts.AccessLog != nil {
		writeAccessLog(s.opts.AccessLog, r, user, lw, start)
	}
	if s.opts.DebugLog != nil {
		why := ""
		if refusal != "" {
			why = " (" + refusal + ")"
		}
		fmt.Fprintf(s.opts.DebugLog, "debug: serve: %s %s auth=%s%s -> %d in %s\n", logSafe(r.Method), logSafe(r.URL.RequestURI()),
			scheme, why, lw.status, s.opts.Now().Sub(start).Round(time.Microsecond))
	}
}

// authenticate checks the Authorization header against the configured
// credentials in constant time. It returns the user name for the access
// log ("-" for a token, which is never logged), the scheme the client
// used, and, when the request is refused, why, in words that name no
// credential.
func (s *Server) authenticate(r *http.Request) (user, scheme, refusal string) {
	c := s.opts.Credentials
	h := r.Header.Get("Authorization")
	if h == "" {
		return "-", "none", "no credentials: send a Bearer token or HTTP Basic credentials"
	}
	scheme, value, _ := strings.Cut(h, " ")
	value = strings.TrimSpace(value)
	switch {
	case strings.EqualFold(scheme, "Bearer") && c.Token != "":
		if !equalSecret(value, c.Token) {
			return "-", "bearer", "the token is not the one configured"
		}
		return "-", "bearer", ""
	case strings.EqualFold(scheme, "Basic") && c.Username != "":
		raw, err := base64.StdEncoding.DecodeString(value)
		name, pass, found := strings.Cut(string(raw), ":")
		if err != nil || !found {
			return "-", "basic", "malformed Basic credentials"
		}
		// Both compared always, so the time taken says nothing about
		// which one was wrong.
		okName := equalSecret(name, c.Username)
		okPass := equalSecret(pass, c.Password)
		if !okName || !okPass {
			return "-", "basic", "the user name or password is not the one configured"
		}
		return name, "basic", ""
	}
	return "-", "other", "this server takes " + s.schemes()
}

// schemes names the ways to authenticate this server is configured for.
func (s *Server) schemes() string {
	c := s.opts.Credentials
	switch {
	case c.Token != "" && c.Username != "":
		return "a Bearer token or HTTP Basic credentials"
	case c.Token != "":
		return "a Bearer token only"
	}
	return "HTTP Basic credentials only"
}

// lineWriter serialises writes, so lines from concurrent requests do not
// interleave.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// equalSecret compares hashes so that neither the content nor the length
// of the secret shows in the time taken.
func equalSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// maxRequests is how many requests' statuses are kept for polling, oldest
// forgotten first.
const maxRequests = 10000

// requestLog remembers the outcome of each write for GET
// /requests/{id}/status. It lives in memory: statuses are for polling
// right after a write, not for history.
type requestLog struct {
	mu    sync.Mutex
	max   int
	order []string
	byID  map[string]*request
}

func newRequestLog(max int) *requestLog {
	return &requestLog{max: max, byID: map[string]*request{}}
}

func (l *requestLog) add(r *request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.order) >= l.max {
		delete(l.byID, l.order[0])
		l.order = l.order[1:]
	}
	l.order = append(l.order, r.id)
	l.byID[r.id] = r
}

// poll returns request id and counts the read; nil if unknown.
func (l *requestLog) poll(id string, count bool) (request, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.byID[id]
	if !ok {
		return request{}, false
	}
	snapshot := *r
	if count {
		r.polls++
	}
	return snapshot, true
}

// Serve answers requests on ln until ctx is done, then stops accepting and
// gives the requests in flight up to grace to finish. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(stop)
	<-done
	if err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	return nil
}
