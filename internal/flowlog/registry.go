package flowlog

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Registry is where flow log configurations live: the embedded engine on
// this machine (internal/engine), or the Cloud API of an account
// (internal/cloudapi). The commands that manage flow logs go through it and
// nothing else, and one suite (internal/flowlog/registrytest) holds every
// implementation to the same behaviour.
//
// Errors say what went wrong through errors.Is: ErrNotFound for a flow log
// or resource that does not exist, ErrRefused for a request the service's
// rules forbid (a second flow log on a resource, a change in place),
// ErrDenied for missing or rejected credentials; a name shared by several
// flow logs is an *AmbiguousError; a configuration the model does not
// accept is a *ValidationError.
type Registry interface {
	// Create stores f as a new flow log and returns it as stored: with its
	// ID, state and creation time. An empty Name becomes DefaultName.
	Create(ctx context.Context, f FlowLog) (FlowLog, error)
	// Get finds a flow log by exact ID, else by exact name.
	Get(ctx context.Context, ref string) (FlowLog, error)
	// List returns the flow logs that match filter, oldest first (then by
	// name and ID), never nil.
	List(ctx context.Context, filter ListFilter) ([]FlowLog, error)
	// Delete deletes flow logs as Get or List returned them. The engine
	// deletes all or none; the Cloud API has no transactions, so it deletes
	// one after the other and stops at the first failure, and the error
	// says which were deleted.
	Delete(ctx context.Context, logs ...FlowLog) error
	// Replace deletes old and creates next in its place; next gets a new ID.
	// When the create fails the old configuration is there again: the
	// engine never removed it (one transaction); the Cloud API creates it
	// anew, and if that fails too the error is a *ReplaceError.
	Replace(ctx context.Context, old, next FlowLog) (FlowLog, error)
}

// ListFilter narrows a List. Zero fields match everything.
type ListFilter struct {
	Type ResourceType
	// ResourceID matches the flow log of one resource (any case).
	ResourceID string
	// Bucket is a bucket name, or "bucket/prefix" to match one prefix only.
	Bucket string
	// DatacenterID is the data center the resources are in.
	DatacenterID string
}

// Matches reports whether f passes the filter. It is the meaning of every
// field, for backends that filter after fetching.
func (lf ListFilter) Matches(f FlowLog) bool {
	if lf.Type != "" && f.ResourceType != lf.Type {
		return false
	}
	if lf.ResourceID != "" && !strings.EqualFold(f.ResourceID, lf.ResourceID) {
		return false
	}
	if lf.DatacenterID != "" && !strings.EqualFold(f.DatacenterID, lf.DatacenterID) {
		return false
	}
	if lf.Bucket != "" {
		bucket, prefix, hasPrefix := strings.Cut(strings.TrimSuffix(lf.Bucket, "/"), "/")
		if f.Bucket != bucket || (hasPrefix && f.Prefix != prefix) {
			return false
		}
	}
	return true
}

// The kinds of failure a Registry reports, matched with errors.Is.
var (
	// ErrNotFound: the flow log, or the resource it is for, does not exist.
	ErrNotFound = errors.New("flow log not found")
	// ErrRefused: the service's rules forbid the request (one flow log per
	// resource, no change after creation, no two flow logs writing the same
	// objects).
	ErrRefused = errors.New("refused by the rules of the service")
	// ErrDenied: the credentials are missing, wrong, or not allowed to do
	// this.
	ErrDenied = errors.New("access denied")
)

// AmbiguousError is a name that several flow logs share (names are unique
// only within one bucket and prefix).
type AmbiguousError struct {
	Ref     string
	Matches []FlowLog
}

func (e *AmbiguousError) Error() string {
	ids := make([]string, len(e.Matches))
	for i, m := range e.Matches {
		ids[i] = m.ID
	}
	return fmt.Sprintf("name %q matches %d flow logs: %s", e.Ref, len(e.Matches), strings.Join(ids, ", "))
}

// Hint is the line the CLI prints below the error.
func (e *AmbiguousError) Hint() string {
	return "use the flow log's id instead of its name"
}

// FindRef picks the flow log that ref names out of logs: the one whose ID
// is ref (in any case), else the only one whose name is ref. It is the
// meaning of a reference for every Registry.
func FindRef(logs []FlowLog, ref string) (FlowLog, error) {
	for _, fl := range logs {
		if strings.EqualFold(fl.ID, ref) {
			return fl, nil
		}
	}
	var byName []FlowLog
	for _, fl := range logs {
		if fl.Name == ref {
			byName = append(byName, fl)
		}
	}
	switch len(byName) {
	case 0:
		return FlowLog{}, &RefNotFoundError{Ref: ref}
	case 1:
		return byName[0], nil
	}
	return FlowLog{}, &AmbiguousError{Ref: ref, Matches: byName}
}

// RefNotFoundError is a reference (id or name) that names no flow log. It
// matches ErrNotFound.
type RefNotFoundError struct {
	Ref string
	// Where says where it was looked for, when that is narrower than
	// everywhere: "in data center …".
	Where string
}

func (e *RefNotFoundError) Error() string {
	msg := fmt.Sprintf("no flow log with id or name %q", e.Ref)
	if e.Where != "" {
		msg += " " + e.Where
	}
	return msg
}

func (e *RefNotFoundError) Unwrap() error { return ErrNotFound }

// ReplaceError is a replace that failed after the old flow log was deleted,
// and whose old settings could not be restored either: the resource has no
// flow log now. Old is what was deleted, Next what was asked for.
type ReplaceError struct {
	Old, Next  FlowLog
	CreateErr  error // why next was not created
	RestoreErr error // why old was not created again
}

func (e *ReplaceError) Error() string {
	return fmt.Sprintf("replace %s: flow log %s (%s) was deleted, the new one was not created (%v), and restoring the old settings failed too (%v): %s %s has no flow log now",
		e.Old.Name, e.Old.Name, e.Old.ID, e.CreateErr, e.RestoreErr, e.Old.ResourceType, e.Old.ResourceID)
}

// Unwrap gives both causes, so errors.Is finds what kind of failure each
// was.
func (e *ReplaceError) Unwrap() []error { return []error{e.CreateErr, e.RestoreErr} }
