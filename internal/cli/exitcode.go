package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/flowlog/flowlog/internal/config"
	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/iostreams"
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

// UserError is an error with an exit code and a hint, made where the cause is
// known and printed once, by Execute.
type UserError struct {
	Err    error
	Code   int
	Detail string // printed verbatim below the message, such as a caret under a column
	Hint   string
}

func (e *UserError) Error() string { return e.Err.Error() }
func (e *UserError) Unwrap() error { return e.Err }

// usageErrorf makes an invalid-input error (exit 2).
func usageErrorf(format string, args ...any) error {
	return &UserError{Err: fmt.Errorf(format, args...), Code: ExitUsage}
}

// withHint attaches a hint to err, keeping its exit code.
func withHint(err error, hint string) error {
	return &UserError{Err: err, Code: exitCode(err), Hint: hint}
}

// hinter is an error that knows what the user can do about it.
type hinter interface{ Hint() string }

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var ue *UserError
	var ve *flowlog.ValidationError
	var re *engine.RuleError
	var ae *engine.AmbiguousError
	var ce *config.Error
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue):
		return ue.Code
	case errors.As(err, &ve), errors.As(err, &ae), errors.As(err, &ce):
		return ExitUsage
	case errors.As(err, &re):
		return ExitRule
	case errors.Is(err, engine.ErrNotFound):
		return ExitNotFound
	}
	if code, ok := storageExitCode(err); ok {
		return code
	}
	return ExitError
}

func hintOf(err error) string {
	var ue *UserError
	if errors.As(err, &ue) && ue.Hint != "" {
		return ue.Hint
	}
	var re *engine.RuleError
	if errors.As(err, &re) {
		return re.Hint
	}
	var h hinter
	if errors.As(err, &h) {
		return h.Hint()
	}
	return storageHint(err)
}

// printError writes err to stderr: one line, then an optional hint line.
func printError(w io.Writer, err error) {
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, "flowlog: interrupted")
		return
	}
	msg := strings.TrimSpace(err.Error())
	fmt.Fprintf(w, "flowlog: %s\n", msg)
	var ue *UserError
	if errors.As(err, &ue) && ue.Detail != "" {
		fmt.Fprintln(w, ue.Detail)
	}
	if hint := hintOf(err); hint != "" {
		fmt.Fprintf(w, "hint: %s\n", hint)
	}
	if errors.Is(err, iostreams.ErrNoAnswer) {
		fmt.Fprintln(w, "hint: pass --yes to confirm without a prompt")
	}
}
