// Package cloudapi keeps flow log configurations in the IONOS Cloud API v6,
// through the official Go SDK (sdk-go): a flowlog.Registry beside the
// embedded engine. It finds flow logs by walking every data center's
// servers, NICs, NAT gateways and load balancers, in parallel and bounded;
// it waits for each change to be done (unless told not to); and it turns
// the API's answers into the errors every Registry gives, with the
// credentials kept out of every message.
package cloudapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	ionoscloud "github.com/ionos-cloud/sdk-go/v6"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// Config says which Cloud API to talk to, as whom, and how.
type Config struct {
	// URL is the API's base, as IONOS_API_URL takes it: the SDK adds
	// /cloudapi/v6 when it is missing.
	URL string
	// Token is a Bearer token; without one, Username and Password are
	// sent with HTTP Basic.
	Token, Username, Password string

	// HTTPClient sends the requests (say, with a --debug transport); nil
	// is a client with a one-minute timeout.
	HTTPClient *http.Client
	// NoWait returns from a change once the API has accepted it, without
	// polling its request until it is done. Replace always waits for its
	// delete: the resource must be free before the create.
	NoWait bool
	// Progress, when set, is told what is being waited for or walked
	// ("" when that is over), for a status line on a terminal. It is
	// called from several goroutines at once.
	Progress func(msg string)
	// Parallel bounds the requests in flight while walking data centers;
	// 0 is 8.
	Parallel int
	// PollInterval is the longest pause between two polls of a request's
	// status; 0 is one second. The first polls come sooner.
	PollInterval time.Duration
	// UserAgent is prepended to the SDK's own.
	UserAgent string
}

// Registry is the Cloud API as a flowlog.Registry. It is safe for
// concurrent use.
type Registry struct {
	api     *ionoscloud.APIClient
	base    *url.URL // the API's base URL, for Location headers
	cfg     Config
	secrets []string // what never appears in a message
}

var _ flowlog.Registry = (*Registry)(nil)

// ErrNoCredentials is in the error New returns when no credentials are
// configured; that error matches flowlog.ErrDenied too.
var ErrNoCredentials = errors.New("no Cloud API credentials")

// New makes a Registry. It sends nothing yet.
func New(cfg Config) (*Registry, error) {
	if cfg.Parallel <= 0 {
		cfg.Parallel = 8
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	username, password := cfg.Username, cfg.Password
	if cfg.Token != "" {
		username, password = "", ""
	}
	sc := ionoscloud.NewConfiguration(username, password, cfg.Token, cfg.URL)
	// The SDK's own logging dumps requests, and at IONOS_LOG_LEVEL=trace
	// their Authorization header: it stays off whatever the environment
	// says. --debug logs through HTTPClient instead.
	sc.LogLevel = ionoscloud.Off
	sc.Debug = false
	sc.Logger = discardLogger{}
	sc.HTTPClient = cfg.HTTPClient
	if sc.HTTPClient == nil {
		sc.HTTPClient = &http.Client{Timeout: time.Minute}
	}
	// The SDK asks for indented JSON unless told otherwise; a walk at
	// depth 5 is large enough for that to matter.
	sc.AddDefaultQueryParam("pretty", "false")
	if cfg.UserAgent != "" {
		sc.UserAgent = cfg.UserAgent + " " + sc.UserAgent
	}
	server, err := sc.ServerURL(0, nil)
	if err != nil {
		return nil, fmt.Errorf("cloud API URL %s: %w", cfg.URL, err)
	}
	base, err := url.Parse(server)
	if err != nil {
		return nil, fmt.Errorf("cloud API URL %s: %w", cfg.URL, err)
	}
	if cfg.Token == "" && (cfg.Username == "" || cfg.Password == "") {
		return nil, &Error{Op: "use " + server, err: ErrNoCredentials,
			hint: "set IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD, or token: (or username: and password:) in the profile"}
	}
	r := &Registry{api: ionoscloud.NewAPIClient(sc), base: base, cfg: cfg}
	for _, s := range []string{cfg.Token, cfg.Password} {
		if s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	if cfg.Username != "" && cfg.Password != "" {
		r.secrets = append(r.secrets, base64.StdEncoding.EncodeToString([]byte(cfg.Username+":"+cfg.Password)))
	}
	return r, nil
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// Error is a request the Cloud API did not carry out: Op says what was
// asked, Status is the HTTP status (0 when no answer came), Messages are the
// API's own. errors.Is matches the Registry errors: 401 and 403
// flowlog.ErrDenied, 404 flowlog.ErrNotFound, 422 flowlog.ErrRefused.
type Error struct {
	Op       string
	Status   int
	Messages []string
	err      error // the cause when no answer came, or a Registry error
	hint     string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, "the Cloud API answered %d %s", e.Status, http.StatusText(e.Status))
		if len(e.Messages) > 0 {
			b.WriteString(": ")
			b.WriteString(strings.Join(e.Messages, "; "))
		}
	case e.err != nil:
		b.WriteString(e.err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.err }

// Is matches the Registry errors by status.
func (e *Error) Is(target error) bool {
	if e.err == ErrNoCredentials {
		return target == flowlog.ErrDenied
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return target == flowlog.ErrDenied
	case http.StatusNotFound:
		return target == flowlog.ErrNotFound
	case http.StatusUnprocessableEntity:
		return target == flowlog.ErrRefused
	}
	return false
}

// Hint says what the user can do.
func (e *Error) Hint() string {
	if e.hint != "" {
		return e.hint
	}
	switch e.Status {
	case http.StatusUnauthorized:
		return "check the credentials: IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD, or the profile's ('flowlog config show' says which are used)"
	case http.StatusForbidden:
		return "the credentials are valid but lack the privilege; ask the contract owner for access to the data center"
	case http.StatusTooManyRequests:
		return "the Cloud API limits requests per minute; try again in a minute"
	}
	return ""
}

// RequestError is a change the API accepted and then failed to carry out
// (its request ended FAILED).
type RequestError struct {
	Op        string
	RequestID string
	Message   string
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("%s: the Cloud API's request %s failed: %s", e.Op, e.RequestID, e.Message)
}

// fail turns what an SDK call returned into an *Error, without secrets.
func (r *Registry) fail(op string, resp *ionoscloud.APIResponse, err error) error {
	var apiErr ionoscloud.GenericOpenAPIError
	e := &Error{Op: op}
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode() != 0:
		e.Status = apiErr.StatusCode()
		e.Messages = messages(apiErr.Model(), apiErr.Body())
	case err == nil && resp != nil && resp.Response != nil:
		e.Status = resp.StatusCode
		e.Messages = messages(nil, resp.Payload)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	default:
		e.err = errors.New(r.redact(err.Error()))
	}
	for i, m := range e.Messages {
		e.Messages[i] = r.redact(m)
	}
	return e
}

// messages are the API's error messages, "[code] text", from its error
// envelope; the start of the body when it has none.
func messages(model any, body []byte) []string {
	var out []string
	if m, ok := model.(ionoscloud.Error); ok && m.Messages != nil {
		for _, msg := range *m.Messages {
			text := strings.TrimSpace(ptr(msg.Message))
			if code := ptr(msg.ErrorCode); code != "" {
				text = "[" + code + "] " + text
			}
			if text != "" {
				out = append(out, text)
			}
		}
	}
	if len(out) == 0 {
		if s := strings.TrimSpace(string(body)); s != "" {
			if len(s) > 200 {
				s = s[:200] + "…"
			}
			out = append(out, s)
		}
	}
	return out
}

// redact removes the credentials from s: a server may echo a header, and a
// transport error may quote what it could not send.
func (r *Registry) redact(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "REDACTED")
	}
	return s
}

func ptr[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// wait polls the request behind a 202 until it is done. With NoWait it
// returns at once, unless must is set.
func (r *Registry) wait(ctx context.Context, op string, resp *ionoscloud.APIResponse, must bool) error {
	if (r.cfg.NoWait && !must) || resp == nil || resp.Response == nil {
		return nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil // nothing to wait for: the change is done
	}
	ref, err := url.Parse(loc)
	if err != nil {
		return fmt.Errorf("%s: the Cloud API's Location %q: %w", op, loc, err)
	}
	statusURL := r.base.ResolveReference(ref).String()
	if r.cfg.Progress != nil {
		defer r.cfg.Progress("")
	}
	start := time.Now()
	pause := 50 * time.Millisecond
	for {
		st, sresp, err := r.api.GetRequestStatus(ctx, statusURL)
		if err == nil && sresp != nil && sresp.Response != nil && sresp.StatusCode >= 300 {
			err = r.fail(op+": request status", sresp, nil)
		} else if err != nil {
			err = r.fail(op+": request status", sresp, err)
		}
		if err != nil {
			return err
		}
		status := ""
		if st != nil && st.Metadata != nil {
			status = ptr(st.Metadata.Status)
		}
		switch status {
		case ionoscloud.RequestStatusDone:
			return nil
		case ionoscloud.RequestStatusFailed:
			return &RequestError{Op: op, RequestID: ptr(st.Id), Message: r.redact(ptr(st.Metadata.Message))}
		}
		if r.cfg.Progress != nil {
			if status == "" {
				status = "pending"
			}
			r.cfg.Progress(fmt.Sprintf("waiting for %s: %s, %s", op, strings.ToLower(status), time.Since(start).Round(time.Second)))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*2, r.cfg.PollInterval)
	}
}

// fromAPI is a flow log as flowlog models it.
func fromAPI(in ionoscloud.FlowLog, l location) flowlog.FlowLog {
	fl := flowlog.FlowLog{
		ID:           strings.ToLower(ptr(in.Id)),
		ResourceType: l.typ,
		ResourceID:   strings.ToLower(l.resourceID),
		DatacenterID: strings.ToLower(l.datacenterID),
		ServerID:     strings.ToLower(l.serverID),
	}
	if p := in.Properties; p != nil {
		fl.Name = ptr(p.Name)
		fl.Direction = flowlog.Direction(strings.ToUpper(ptr(p.Direction)))
		fl.Action = flowlog.Action(strings.ToUpper(ptr(p.Action)))
		// The API's bucket is "bucket" or "bucket/prefix".
		fl.Bucket, fl.Prefix, _ = strings.Cut(ptr(p.Bucket), "/")
	}
	if m := in.Metadata; m != nil {
		fl.State = flowlog.State(ptr(m.State))
		if m.CreatedDate != nil {
			fl.CreatedAt = m.CreatedDate.Time.UTC().Truncate(time.Second)
		}
	}
	return fl
}

// toAPI is the body that creates f.
func toAPI(f flowlog.FlowLog) ionoscloud.FlowLog {
	return *ionoscloud.NewFlowLog(*ionoscloud.NewFlowLogProperties(f.Name, string(f.Action), string(f.Direction), f.Target()))
}
