// Package bucketcheck owns the health of a bucket flow logs write into: the
// checks of 'flowlog bucket check' (does the bucket exist, may the flow log
// service user write into it, does a lifecycle rule expire the objects,
// which flow logs write there), and the plan that grants the service user
// WRITE without losing any other grant of the bucket's ACL. It returns its
// findings as data; the commands print them.
package bucketcheck

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/retention"
)

// ServiceUserID is the canonical ID of the technical user the flow log
// service writes objects as. Without a grant to write into the bucket,
// delivery stops without any error anyone sees.
const ServiceUserID = "31721881|65b95d54-8b1b-459c-9d46-364296d9beaf"

// Statuses of a check, from best to worst.
const (
	OK   = "OK"
	Info = "INFO"
	Skip = "SKIP"
	Warn = "WARN"
	Fail = "FAIL"
)

// Result is the outcome of one check.
type Result struct {
	Check  string // "bucket", "acl", "lifecycle", "flowlogs"
	Status string // OK, Info, Skip, Warn or Fail
	Detail string
	Hint   string // what to do, if anything
	// Err is the storage error behind the result, if any. Where Hint is
	// empty, the caller, which knows what to say about storage errors
	// (credentials, endpoints), may hint from Err.
	Err error
}

// Bucket is what the checks need of a bucket (s3store.Store has it). As an
// objstore.Store it names its flow logs' objects in details.
type Bucket interface {
	objstore.Store
	Bucket() string
	BucketExists(ctx context.Context) error
	BucketACL(ctx context.Context) (s3store.ACL, error)
	Lifecycle(ctx context.Context) ([]s3store.LifecycleRule, error)
}

// FailedError reports that checks failed.
type FailedError struct {
	Bucket string
	// Where, if set, names the bucket and its place for the message, as
	// for a folder: "bucket demo-logs (folder PATH)"; else it is s3://Bucket.
	Where  string
	Failed int // how many checks
	// Cause, if set, is why the bucket could not be used at all (it does
	// not exist, access is denied): the failure that matters most.
	Cause error
}

func (e *FailedError) Error() string {
	where := e.Where
	if where == "" {
		where = "s3://" + e.Bucket
	}
	return fmt.Sprintf("%s: %s failed", where, count(e.Failed, "check"))
}

// Check runs every check of the bucket, in order: bucket, acl, lifecycle,
// flowlogs. logs are the flow logs configured to write into it. The error,
// a *FailedError, is nil unless a check failed.
func Check(ctx context.Context, b Bucket, logs []flowlog.FlowLog) ([]Result, error) {
	var results []Result
	reachErr := b.BucketExists(ctx)
	if reachErr != nil {
		skipped := "not checked: the bucket cannot be used"
		results = append(results,
			Result{Check: "bucket", Status: Fail, Detail: reachErr.Error(), Err: reachErr},
			Result{Check: "acl", Status: Skip, Detail: skipped},
			Result{Check: "lifecycle", Status: Skip, Detail: skipped})
	} else {
		results = append(results,
			Result{Check: "bucket", Status: OK, Detail: b.String() + " exists and these credentials may use it"},
			checkACL(ctx, b),
			checkLifecycle(ctx, b, logs))
	}
	results = append(results, checkFlowLogs(b.Bucket(), b, logs))
	return results, failures(results, &FailedError{Bucket: b.Bucket(), Cause: reachErr})
}

// CheckFolder runs the checks that apply to a bucket kept as a folder, as
// buckets are when no object storage is configured: store is the folder's
// store, or nil with openErr saying why there is none (it does not exist).
// where names the bucket and its folder for messages. A folder has neither
// an ACL nor lifecycle rules, so those checks are skipped, saying why.
func CheckFolder(bucket, where string, store objstore.Store, openErr error, logs []flowlog.FlowLog) ([]Result, error) {
	var results []Result
	if openErr != nil {
		results = append(results, Result{Check: "bucket", Status: Fail, Detail: openErr.Error(),
			Hint: "flowlog bucket create " + bucket, Err: openErr})
	} else {
		results = append(results, Result{Check: "bucket", Status: OK, Detail: where + " exists"})
	}
	results = append(results,
		Result{Check: "acl", Status: Skip, Detail: "a folder has no ACL: the flow log service user's grant matters only in object storage"},
		Result{Check: "lifecycle", Status: Skip, Detail: "a folder has no lifecycle rules: flow log objects are kept until deleted",
			Hint: "flowlog prune deletes old objects"},
		checkFlowLogs(bucket, store, logs))
	return results, failures(results, &FailedError{Bucket: bucket, Where: where, Cause: openErr})
}

// failures counts the failed checks into e; nil when none failed.
func failures(results []Result, e *FailedError) error {
	for _, r := range results {
		if r.Status == Fail {
			e.Failed++
		}
	}
	if e.Failed == 0 {
		return nil
	}
	return e
}

// ServiceGrant finds the grant that lets the flow log service user write.
func ServiceGrant(acl s3store.ACL) (s3store.Grant, bool) {
	for _, g := range acl.Grants {
		if g.GranteeType == s3store.GranteeCanonicalUser && g.ID == ServiceUserID &&
			(g.Permission == s3store.PermWrite || g.Permission == s3store.PermFullControl) {
			return g, true
		}
	}
	return s3store.Grant{}, false
}

func checkACL(ctx context.Context, b Bucket) Result {
	acl, err := b.BucketACL(ctx)
	switch {
	case errors.Is(err, s3store.ErrNotImplemented):
		return Result{Check: "acl", Status: Warn, Detail: "the server does not implement bucket ACLs: the flow log service user's grant cannot be checked", Err: err}
	case errors.Is(err, objstore.ErrAccessDenied):
		return Result{Check: "acl", Status: Warn, Detail: "cannot read the ACL: " + err.Error(),
			Hint: "reading an ACL needs READ_ACP on the bucket, which its owner has", Err: err}
	case err != nil:
		return Result{Check: "acl", Status: Fail, Detail: err.Error(), Err: err}
	}
	if g, ok := ServiceGrant(acl); ok {
		return Result{Check: "acl", Status: OK, Detail: "the flow log service user may write objects (" + g.Permission + ")"}
	}
	if acl.Owner.ID == "" {
		// MinIO answers every GetBucketAcl with a fixed, owner-less ACL.
		return Result{Check: "acl", Status: Warn, Detail: "the server's ACL names no owner: it does not seem to implement bucket ACLs, so the flow log service user's grant cannot be checked"}
	}
	return Result{Check: "acl", Status: Fail,
		Detail: "the flow log service user (" + ServiceUserID + ") may not write objects: the service cannot deliver flow logs here",
		Hint:   "flowlog bucket grant " + b.Bucket()}
}

func checkLifecycle(ctx context.Context, b Bucket, logs []flowlog.FlowLog) Result {
	rules, err := b.Lifecycle(ctx)
	switch {
	case errors.Is(err, s3store.ErrNotImplemented):
		return Result{Check: "lifecycle", Status: Warn, Detail: "the server does not implement lifecycle configurations: flow log objects are kept until deleted", Hint: "flowlog prune deletes old objects", Err: err}
	case errors.Is(err, objstore.ErrAccessDenied):
		return Result{Check: "lifecycle", Status: Warn, Detail: "cannot read the lifecycle configuration: " + err.Error(), Err: err}
	case err != nil:
		return Result{Check: "lifecycle", Status: Fail, Detail: err.Error(), Err: err}
	}
	if len(logs) == 0 {
		if r, ok := retention.Expiring(rules, flowlog.Objects{Store: b}); ok {
			return Result{Check: "lifecycle", Status: OK, Detail: fmt.Sprintf("every object expires %s (rule %q)", retention.DescribeExpiry(r), r.ID)}
		}
		var some []string
		for _, r := range rules {
			if retention.Expires(r) {
				some = append(some, fmt.Sprintf("%q %s", r.Prefix, retention.DescribeExpiry(r)))
			}
		}
		if len(some) > 0 {
			return Result{Check: "lifecycle", Status: Info, Detail: "rules expire only the objects under " + strings.Join(some, ", "),
				Hint: "objects elsewhere are kept until deleted"}
		}
		return Result{Check: "lifecycle", Status: Info, Detail: "no lifecycle rule expires objects: flow log objects are kept until deleted",
			Hint: "flowlog retention set --bucket " + b.Bucket() + "[/PREFIX] --days N, or delete old objects with flowlog prune"}
	}
	var expired, kept []string
	for _, fl := range logs {
		if r, ok := retention.Expiring(rules, flowlog.ObjectsOf(fl, b)); ok {
			expired = append(expired, fmt.Sprintf("%s %s (rule %q)", fl.Name, retention.DescribeExpiry(r), r.ID))
		} else {
			kept = append(kept, fl.Name)
		}
	}
	if len(kept) == 0 {
		return Result{Check: "lifecycle", Status: OK, Detail: "flow log objects expire: " + strings.Join(expired, "; ")}
	}
	detail := "no rule expires the objects of " + strings.Join(kept, ", ") + ": they are kept until deleted"
	if len(expired) > 0 {
		detail += "; expiring: " + strings.Join(expired, "; ")
	}
	return Result{Check: "lifecycle", Status: Info, Detail: detail, Hint: "flowlog retention set --flowlog " + kept[0] + " --days N"}
}

// checkFlowLogs lists the flow logs writing into the bucket; store names
// their objects, and may be nil when the bucket cannot be used.
func checkFlowLogs(bucket string, store objstore.Store, logs []flowlog.FlowLog) Result {
	if len(logs) == 0 {
		return Result{Check: "flowlogs", Status: Info, Detail: "no configured flow log writes into this bucket",
			Hint: "flowlog create ... --bucket " + bucket + "[/PREFIX]"}
	}
	names := make([]string, len(logs))
	for i, fl := range logs {
		names[i] = fmt.Sprintf("%s (%s)", fl.Name, flowlog.ObjectsOf(fl, store))
	}
	return Result{Check: "flowlogs", Status: OK, Detail: count(len(logs), "flow log") + " write here: " + strings.Join(names, ", ")}
}

// count is "1 check", "2 checks".
func count(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}
