package cmdutil

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// debugTransport logs every HTTP request to stderr: method, URL without
// its query's signature, status and time. It never logs headers or bodies,
// so credentials cannot leak into --debug output.
type debugTransport struct {
	next http.RoundTripper
	out  io.Writer
	mu   sync.Mutex
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
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		fmt.Fprintf(d.out, "debug: %s %s: %v (%s)\n", req.Method, u.String(), err, time.Since(start).Round(time.Millisecond))
		return nil, err
	}
	fmt.Fprintf(d.out, "debug: %s %s -> %d (%s)\n", req.Method, u.String(), resp.StatusCode, time.Since(start).Round(time.Millisecond))
	return resp, nil
}
