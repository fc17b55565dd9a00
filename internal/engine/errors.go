package engine

import (
	"errors"
	"fmt"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// ErrNotFound is wrapped by every error about a missing flow log; it is
// flowlog.ErrNotFound, the error every Registry reports.
var ErrNotFound = flowlog.ErrNotFound

// ErrImmutable matches (errors.Is) every *RuleError with Rule RuleImmutable.
var ErrImmutable = errors.New("flow logs cannot be changed after creation")

// The service's rules a *RuleError can report.
const (
	RuleOnePerResource = "one-per-resource" // a resource has at most one flow log
	RuleImmutable      = "immutable"        // a flow log never changes after creation
	RuleTargetClash    = "target-clash"     // two flow logs may not write the same objects
)

// RuleError is a request the service's rules forbid. Msg is the one-line
// message, Advice what the user can do about it. Existing, when known, is
// the stored flow log the request collided with.
type RuleError struct {
	Rule     string
	Msg      string
	Advice   string
	Existing *flowlog.FlowLog
}

func (e *RuleError) Error() string { return e.Msg }

// Hint is the line the CLI prints below the error.
func (e *RuleError) Hint() string { return e.Advice }

// Is lets callers test errors.Is(err, ErrImmutable), and, as for every
// Registry, errors.Is(err, flowlog.ErrRefused).
func (e *RuleError) Is(target error) bool {
	return target == flowlog.ErrRefused || target == ErrImmutable && e.Rule == RuleImmutable
}

// ImmutableError is the refusal of an in-place change to field (a flag name
// such as "direction"; "" when no single field is to blame).
func ImmutableError(field string) *RuleError {
	msg := ErrImmutable.Error()
	example := "direction"
	if field != "" {
		msg = fmt.Sprintf("cannot change %s: %s", field, msg)
		example = field
	}
	return &RuleError{
		Rule:   RuleImmutable,
		Msg:    msg,
		Advice: fmt.Sprintf("delete and create again, or run 'flowlog replace ID --%s …' which does both in one transaction", example),
	}
}

func onePerResourceError(f flowlog.FlowLog, existing *flowlog.FlowLog) *RuleError {
	msg := fmt.Sprintf("%s %s: a flow log already exists for this resource", f.ResourceType, f.ResourceID)
	if existing != nil {
		msg += fmt.Sprintf(" (%q, id %s)", existing.Name, existing.ID)
	}
	return &RuleError{
		Rule:     RuleOnePerResource,
		Msg:      msg,
		Advice:   "a resource has at most one flow log; delete it first or use 'flowlog replace'",
		Existing: existing,
	}
}

func targetClashError(f flowlog.FlowLog, existing *flowlog.FlowLog) *RuleError {
	pattern := flowlog.ObjectKeyPrefix(f.Prefix, f.Name) + "*"
	msg := fmt.Sprintf("bucket %s: a flow log already writes objects named %q", f.Target(), pattern)
	if existing != nil {
		msg = fmt.Sprintf("bucket %s: flow log %q already writes objects named %q", f.Target(), existing.Name, pattern)
	}
	return &RuleError{
		Rule:     RuleTargetClash,
		Msg:      msg,
		Advice:   "flow logs writing to the same bucket and prefix need different names; choose another name or prefix",
		Existing: existing,
	}
}

// AmbiguousError is a name that several flow logs share.
type AmbiguousError = flowlog.AmbiguousError

// notFoundError names what was looked for ("id", "id or name"); it unwraps
// to ErrNotFound.
type notFoundError struct {
	by  string
	ref string
}

func (e *notFoundError) Error() string {
	return fmt.Sprintf("no flow log with %s %q", e.by, e.ref)
}

func (e *notFoundError) Unwrap() error { return ErrNotFound }
