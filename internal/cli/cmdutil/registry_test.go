package cmdutil

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/flowlog/flowlog/internal/cloudapi"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/iostreams"
)

// TestRegistryExitCodes: what the Cloud API answers becomes the exit code
// the docs promise, however the error is wrapped.
func TestRegistryExitCodes(t *testing.T) {
	status := func(code int) error { return &cloudapi.Error{Op: "list data centers", Status: code} }
	refused := status(http.StatusUnprocessableEntity)
	_, noCredentials := cloudapi.New(cloudapi.Config{URL: "http://127.0.0.1:1"})
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"401", status(http.StatusUnauthorized), ExitAuth},
		{"403", status(http.StatusForbidden), ExitAuth},
		{"404", status(http.StatusNotFound), ExitNotFound},
		{"422", refused, ExitRule},
		{"429", status(http.StatusTooManyRequests), ExitError},
		{"500", status(http.StatusInternalServerError), ExitError},
		{"wrapped 404", fmt.Errorf("deleted web only: %w", status(http.StatusNotFound)), ExitNotFound},
		{"no credentials", noCredentials, ExitAuth},
		{"a failed request", &cloudapi.RequestError{Op: "create", RequestID: "r", Message: "m"}, ExitError},
		{"refused, then restored", &cloudapi.RestoredError{Err: refused}, ExitRule},
		{"neither new nor old", &flowlog.ReplaceError{CreateErr: refused, RestoreErr: status(http.StatusNotFound)}, ExitError},
		{"no such reference", &flowlog.RefNotFoundError{Ref: "web"}, ExitNotFound},
		{"ambiguous", &flowlog.AmbiguousError{Ref: "web"}, ExitUsage},
	} {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("%s: exit %d; want %d", tt.name, got, tt.want)
		}
	}
	var hint interface{ Hint() string }
	if !errors.As(status(http.StatusUnauthorized), &hint) || hintOf(status(http.StatusUnauthorized)) == "" {
		t.Error("a 401 has no hint")
	}
}

// TestStatusLine: a line rewritten in place on a terminal, cleared at the
// end; nothing at all elsewhere.
func TestStatusLine(t *testing.T) {
	io, _, _, errOut := iostreams.Test()
	if statusLine(io) != nil {
		t.Error("a status line on a pipe")
	}
	io.SetTTY(false, false, true)
	line := statusLine(io)
	line("waiting for create flow log web: running, 1s")
	line("waiting for create flow log web: running, 2s")
	line("")
	line("")
	want := "\r\033[Kwaiting for create flow log web: running, 1s\r\033[Kwaiting for create flow log web: running, 2s\r\033[K"
	if got := errOut.String(); got != want {
		t.Errorf("stderr %q; want %q", got, want)
	}
}
