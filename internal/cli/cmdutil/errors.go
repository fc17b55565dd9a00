package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/flowlog/flowlog/internal/config"
	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/retention"
)

// Exit codes. They are a contract with scripts: documented in
// 'flowlog help exit-codes' and docs/exit-codes.md, and never renumbered.
const (
	ExitOK       = 0
	ExitError    = 1 // any other failure: I/O, a malformed record, a server error
	ExitUsage    = 2 // usage or invalid input
	ExitNotFound = 3 // the flow log, object or bucket does not exist
	ExitRule     = 4 // a rule of the service: one per resource, immutability, clashing targets
	ExitAuth     = 5 // access denied or missing credentials
)

// UserError is an error with an exit code and, optionally, advice for the
// user, made where the cause is known and printed once, by Run.
type UserError struct {
	Err    error
	Code   int
	Advice string // printed as the hint line
}

func (e *UserError) Error() string { return e.Err.Error() }
func (e *UserError) Unwrap() error { return e.Err }

// Hint is the advice, when there is any.
func (e *UserError) Hint() string { return e.Advice }

// usageErrorf makes an invalid-input error (exit 2).
func UsageErrorf(format string, args ...any) error {
	return &UserError{Err: fmt.Errorf(format, args...), Code: ExitUsage}
}

// withHint attaches a hint to err, keeping its exit code.
func WithHint(err error, hint string) error {
	return &UserError{Err: err, Code: ExitCode(err), Advice: hint}
}

// hinter is an error that knows what the user can do about it. Every hint
// reaches the user through it: the outermost one in an error's chain is
// printed, once, by printError.
type hinter interface{ Hint() string }

// detailer is an error with lines to show below its message, such as a
// caret under a column of a --where expression.
type detailer interface{ Detail() string }

// exitCode maps an error to the documented exit codes.
func ExitCode(err error) int {
	var ue *UserError
	var ve *flowlog.ValidationError
	var re *engine.RuleError
	var ae *flowlog.AmbiguousError
	var se *query.SpecError
	var ce *config.Error
	var le *retention.NoLifecycleError
	var rpe *flowlog.ReplaceError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		return ue.Code
	case errors.As(err, &ve), errors.As(err, &ae), errors.As(err, &se), errors.As(err, &ce), errors.As(err, &le):
		return ExitUsage
	case errors.As(err, &rpe):
		// Neither the new flow log nor the old one: whatever the causes,
		// the resource is left without one.
		return ExitError
	case errors.As(err, &re), errors.Is(err, flowlog.ErrRefused):
		return ExitRule
	case errors.Is(err, flowlog.ErrNotFound):
		return ExitNotFound
	case errors.Is(err, flowlog.ErrDenied):
		return ExitAuth
	}
	if code, ok := storageExitCode(err); ok {
		return code
	}
	return ExitError
}

// hintOf is the hint printed below err: the outermost hint in its chain
// that says something, else what to do about a storage error.
func hintOf(err error) string {
	for e := err; e != nil; {
		var h hinter
		if !errors.As(e, &h) {
			break
		}
		if hint := h.Hint(); hint != "" {
			return hint
		}
		next, ok := h.(error)
		if !ok {
			break
		}
		e = errors.Unwrap(next)
	}
	return StorageHint(err)
}

// printError writes err to stderr: one line, any detail lines, and at most
// one hint line.
func PrintError(w io.Writer, err error) {
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, "flowlog: interrupted")
		return
	}
	msg := strings.TrimSpace(err.Error())
	fmt.Fprintf(w, "flowlog: %s\n", msg)
	var d detailer
	if errors.As(err, &d) && d.Detail() != "" {
		fmt.Fprintln(w, d.Detail())
	}
	PrintHint(w, hintOf(err))
}

// printHint writes a hint line, the one form every hint takes.
func PrintHint(w io.Writer, hint string) {
	if hint != "" {
		fmt.Fprintf(w, "hint: %s\n", hint)
	}
}
