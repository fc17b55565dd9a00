package cli

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdHTTP sends one request: "http [-token T | -basic USER:PASS] METHOD URL
// [BODY]". It prints "status N", the Location header if any, and the body
// to stdout. With ! it expects the connection to fail (a server that is
// gone).
func cmdHTTP(ts *testscript.TestScript, neg bool, args []string) {
	var token, basic string
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		if len(args) < 2 {
			ts.Fatalf("usage: http [-token T | -basic USER:PASS] METHOD URL [BODY]")
		}
		switch args[0] {
		case "-token":
			token = args[1]
		case "-basic":
			basic = args[1]
		default:
			ts.Fatalf("http: unknown option %s", args[0])
		}
		args = args[2:]
	}
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: http [-token T | -basic USER:PASS] METHOD URL [BODY]")
	}
	var body io.Reader
	if len(args) == 3 {
		body = strings.NewReader(args[2])
	}
	req, err := http.NewRequest(args[0], args[1], body)
	ts.Check(err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if user, pass, ok := strings.Cut(basic, ":"); ok {
		req.SetBasicAuth(user, pass)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if neg {
		if err == nil {
			resp.Body.Close()
			ts.Fatalf("http: %s %s answered %s, want no connection", args[0], args[1], resp.Status)
		}
		return
	}
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "status %d\n", resp.StatusCode)
	if loc := resp.Header.Get("Location"); loc != "" {
		fmt.Fprintf(ts.Stdout(), "location %s\n", loc)
	}
	ts.Stdout().Write(b)
}
