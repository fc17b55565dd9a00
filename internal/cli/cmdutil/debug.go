package cmdutil

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// debugLog writes --debug lines to stderr, one at a time, whichever
// goroutine sends them.
type debugLog struct {
	mu  sync.Mutex
	out io.Writer
}

func newDebugLog(out io.Writer) *debugLog { return &debugLog{out: out} }

func (d *debugLog) line(msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.out, "debug: %s\n", msg)
}

// debugTransport logs every HTTP request to stderr: method, URL without
// its query's signature, status and time. It never logs headers or bodies,
// so credentials cannot leak into --debug output.
type debugTransport struct {
	next http.RoundTripper
	log  *debugLog
}

func (d *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := d.next.RoundTrip(req)
	u := *req.URL
	q := u.Query()
	for _, k := range []string{"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token"} {
		if q.Has(k) {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	u.User = nil
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		d.log.line(fmt.Sprintf("%s %s: %v (%s)", req.Method, u.String(), err, took))
		return nil, err
	}
	d.log.line(fmt.Sprintf("%s %s -> %d (%s)", req.Method, u.String(), resp.StatusCode, took))
	return resp, nil
}
