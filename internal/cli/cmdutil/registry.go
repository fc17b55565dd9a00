package cmdutil

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/flowlog/flowlog/internal/cloudapi"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/iostreams"
)

// RegistryOptions say how a command uses the registry.
type RegistryOptions struct {
	// NoWait: a change against the Cloud API returns once it is
	// accepted, not once it is done (--no-wait).
	NoWait bool
}

// Registry is where flow log configurations live, as the settings say:
// the Cloud API when an API URL is given or the profile says 'backend:
// cloudapi'; otherwise the embedded engine (the database, opened on first
// use).
func (f *Factory) Registry(ctx context.Context, opts RegistryOptions) (flowlog.Registry, error) {
	cfg, err := f.Settings()
	if err != nil {
		return nil, err
	}
	url, ok := cfg.CloudAPI()
	if !ok {
		e, err := f.Engine(ctx)
		if err != nil {
			return nil, err
		}
		return e.Registry(), nil
	}
	client := &http.Client{Timeout: time.Minute}
	if cfg.Debug {
		log := newDebugLog(f.IO.ErrOut)
		client.Transport = &debugTransport{next: http.DefaultTransport, log: log}
	}
	return cloudapi.New(cloudapi.Config{
		URL:        url,
		Token:      string(cfg.Token),
		Username:   cfg.Username,
		Password:   string(cfg.Password),
		HTTPClient: client,
		NoWait:     opts.NoWait,
		Progress:   statusLine(f.IO),
		UserAgent:  "flowlog",
	})
}

// UsesCloudAPI reports whether flow log configurations live in the Cloud
// API, for commands whose messages differ (a transaction there is not).
func UsesCloudAPI(f *Factory) bool {
	cfg, err := f.Settings()
	if err != nil {
		return false
	}
	_, ok := cfg.CloudAPI()
	return ok
}

// statusLine is one line on stderr that says what is being waited for or walked,
// rewritten in place, on a terminal only; "" clears it.
func statusLine(io *iostreams.IOStreams) func(string) {
	if !io.IsStderrTTY() {
		return nil
	}
	var mu sync.Mutex
	shown := false
	return func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case msg != "":
			fmt.Fprintf(io.ErrOut, "\r\033[K%s", msg)
			shown = true
		case shown:
			fmt.Fprint(io.ErrOut, "\r\033[K")
			shown = false
		}
	}
}
