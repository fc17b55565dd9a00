package bucketcheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// fakeBucket answers the bucket requests from its fields. The object
// methods of objstore.Store are left out: the checks never list or read.
type fakeBucket struct {
	objstore.Store
	existsErr error
	acl       s3store.ACL
	aclErr    error
	rules     []s3store.LifecycleRule
	rulesErr  error

	// For grant: what PutBucketACL received, and the ACL the server shows
	// afterwards (the one sent, if nil).
	puts      []s3store.ACL
	putErr    error
	afterPut  *s3store.ACL
	backErr   error
	readsBack int
}

func (b *fakeBucket) String() string                     { return "s3://logs" }
func (b *fakeBucket) Bucket() string                     { return "logs" }
func (b *fakeBucket) BucketExists(context.Context) error { return b.existsErr }

func (b *fakeBucket) BucketACL(context.Context) (s3store.ACL, error) {
	if len(b.puts) > 0 {
		b.readsBack++
		if b.backErr != nil {
			return s3store.ACL{}, b.backErr
		}
		if b.afterPut != nil {
			return *b.afterPut, nil
		}
		return b.puts[len(b.puts)-1], nil
	}
	return b.acl, b.aclErr
}

func (b *fakeBucket) Lifecycle(context.Context) ([]s3store.LifecycleRule, error) {
	return b.rules, b.rulesErr
}

func (b *fakeBucket) PutBucketACL(_ context.Context, acl s3store.ACL) error {
	if b.putErr != nil {
		return b.putErr
	}
	b.puts = append(b.puts, acl)
	return nil
}

var (
	owner      = s3store.Owner{ID: "12345678|owner", DisplayName: "owner@example.com"}
	ownerGrant = s3store.Grant{GranteeType: s3store.GranteeCanonicalUser, ID: owner.ID, DisplayName: owner.DisplayName, Permission: s3store.PermFullControl}
	groupRead  = s3store.Grant{GranteeType: s3store.GranteeGroup, URI: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", Permission: s3store.PermRead}
	service    = s3store.Grant{GranteeType: s3store.GranteeCanonicalUser, ID: ServiceUserID, Permission: s3store.PermWrite}
	web01      = flowlog.FlowLog{Name: "web01", Bucket: "logs", Prefix: "web"}
	lb         = flowlog.FlowLog{Name: "lb", Bucket: "logs"}
)

func expireRule(id, prefix string, days int) s3store.LifecycleRule {
	return s3store.LifecycleRule{ID: id, Prefix: prefix, Enabled: true, ExpireDays: days}
}

// find returns the result of the named check.
func find(t *testing.T, results []Result, check string) Result {
	t.Helper()
	for _, r := range results {
		if r.Check == check {
			return r
		}
	}
	t.Fatalf("no %s check in %+v", check, results)
	return Result{}
}

func TestCheckBucketUnusable(t *testing.T) {
	for _, cause := range []error{
		fmt.Errorf("check s3://logs: %w", objstore.ErrNoSuchBucket),
		fmt.Errorf("check s3://logs: %w", objstore.ErrAccessDenied),
	} {
		b := &fakeBucket{existsErr: cause}
		results, err := Check(context.Background(), b, []flowlog.FlowLog{web01})
		var got []string
		for _, r := range results {
			got = append(got, r.Check+" "+r.Status)
		}
		if want := "bucket FAIL, acl SKIP, lifecycle SKIP, flowlogs OK"; strings.Join(got, ", ") != want {
			t.Errorf("%v: results %q, want %q", cause, strings.Join(got, ", "), want)
		}
		if r := find(t, results, "bucket"); r.Detail != cause.Error() || r.Err != cause {
			t.Errorf("%v: bucket check = %+v", cause, r)
		}
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Cause != cause || fe.Failed != 1 || err.Error() != "s3://logs: 1 check failed" {
			t.Errorf("%v: error %v (%#v), want 1 failed check caused by it", cause, err, err)
		}
	}
}

func TestCheckACL(t *testing.T) {
	tests := []struct {
		name   string
		acl    s3store.ACL
		aclErr error
		status string
		detail string
		hint   string
	}{
		{name: "granted", acl: s3store.ACL{Owner: owner, Grants: []s3store.Grant{ownerGrant, service}},
			status: OK, detail: "the flow log service user may write objects (WRITE)"},
		{name: "full control", acl: s3store.ACL{Owner: owner, Grants: []s3store.Grant{{GranteeType: s3store.GranteeCanonicalUser, ID: ServiceUserID, Permission: s3store.PermFullControl}}},
			status: OK, detail: "the flow log service user may write objects (FULL_CONTROL)"},
		{name: "read only", acl: s3store.ACL{Owner: owner, Grants: []s3store.Grant{ownerGrant, {GranteeType: s3store.GranteeCanonicalUser, ID: ServiceUserID, Permission: s3store.PermRead}}},
			status: Fail, detail: "the flow log service user (" + ServiceUserID + ") may not write objects", hint: "flowlog bucket grant logs"},
		{name: "the service user's ID as a group", acl: s3store.ACL{Owner: owner, Grants: []s3store.Grant{{GranteeType: s3store.GranteeGroup, ID: ServiceUserID, Permission: s3store.PermWrite}}},
			status: Fail, hint: "flowlog bucket grant logs"},
		{name: "no owner (MinIO)", acl: s3store.ACL{Grants: []s3store.Grant{ownerGrant}},
			status: Warn, detail: "the server's ACL names no owner"},
		{name: "not implemented", aclErr: fmt.Errorf("get ACL s3://logs: %w", s3store.ErrNotImplemented),
			status: Warn, detail: "the server does not implement bucket ACLs"},
		{name: "access denied", aclErr: fmt.Errorf("get ACL s3://logs: %w", objstore.ErrAccessDenied),
			status: Warn, detail: "cannot read the ACL: get ACL s3://logs: access denied", hint: "READ_ACP"},
		{name: "unreachable", aclErr: fmt.Errorf("get ACL s3://logs: %w", objstore.ErrUnreachable),
			status: Fail, detail: "get ACL s3://logs: storage unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBucket{acl: tt.acl, aclErr: tt.aclErr}
			results, err := Check(context.Background(), b, nil)
			r := find(t, results, "acl")
			if r.Status != tt.status || !strings.Contains(r.Detail, tt.detail) || !strings.Contains(r.Hint, tt.hint) || (tt.hint == "" && r.Hint != "") {
				t.Errorf("acl check = %+v, want %s %q, hint %q", r, tt.status, tt.detail, tt.hint)
			}
			if tt.aclErr != nil && r.Err != tt.aclErr {
				t.Errorf("acl check error = %v, want %v", r.Err, tt.aclErr)
			}
			var fe *FailedError
			if failed := tt.status == Fail; failed != errors.As(err, &fe) || (failed && (fe.Cause != nil || fe.Failed != 1)) {
				t.Errorf("error = %#v; want a failure: %v", err, failed)
			}
		})
	}
}

func TestCheckLifecycle(t *testing.T) {
	tests := []struct {
		name     string
		logs     []flowlog.FlowLog
		rules    []s3store.LifecycleRule
		rulesErr error
		status   string
		detail   string
		hint     string
	}{
		{name: "no flow logs, no rules", status: Info,
			detail: "no lifecycle rule expires objects: flow log objects are kept until deleted",
			hint:   "flowlog retention set --bucket logs[/PREFIX] --days N, or delete old objects with flowlog prune"},
		{name: "no flow logs, a rule for everything", rules: []s3store.LifecycleRule{expireRule("all", "", 7)}, status: OK,
			detail: `every object expires after 7 days (rule "all")`},
		{name: "no flow logs, rules for some", rules: []s3store.LifecycleRule{expireRule("t", "tmp/", 1), {ID: "off", Prefix: "x/", ExpireDays: 3}, expireRule("w", "web/", 30)},
			status: Info, detail: `rules expire only the objects under "tmp/" after 1 day, "web/" after 30 days`, hint: "objects elsewhere are kept until deleted"},
		{name: "every flow log expires", logs: []flowlog.FlowLog{lb, web01},
			rules:  []s3store.LifecycleRule{expireRule("flowlog-retention:lb-", "lb-", 90), expireRule("web", "web/", 30)},
			status: OK, detail: `flow log objects expire: lb after 90 days (rule "flowlog-retention:lb-"); web01 after 30 days (rule "web")`},
		{name: "one kept", logs: []flowlog.FlowLog{lb, web01},
			rules:  []s3store.LifecycleRule{expireRule("flowlog-retention:web/web01-", "web/web01-", 30)},
			status: Info, detail: `no rule expires the objects of lb: they are kept until deleted; expiring: web01 after 30 days (rule "flowlog-retention:web/web01-")`,
			hint: "flowlog retention set --flowlog lb --days N"},
		{name: "all kept", logs: []flowlog.FlowLog{web01, lb},
			rules:  []s3store.LifecycleRule{{ID: "tagged", Prefix: "", Enabled: true, ExpireDays: 3, Narrowed: true}},
			status: Info, detail: "no rule expires the objects of web01, lb: they are kept until deleted", hint: "flowlog retention set --flowlog web01 --days N"},
		{name: "not implemented", logs: []flowlog.FlowLog{lb}, rulesErr: fmt.Errorf("get lifecycle s3://logs: %w", s3store.ErrNotImplemented),
			status: Warn, detail: "the server does not implement lifecycle configurations", hint: "flowlog prune deletes old objects"},
		{name: "access denied", rulesErr: fmt.Errorf("get lifecycle s3://logs: %w", objstore.ErrAccessDenied),
			status: Warn, detail: "cannot read the lifecycle configuration: get lifecycle s3://logs: access denied"},
		{name: "other error", rulesErr: errors.New("get lifecycle s3://logs: read lifecycle configuration: EOF"),
			status: Fail, detail: "get lifecycle s3://logs: read lifecycle configuration: EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBucket{acl: s3store.ACL{Owner: owner, Grants: []s3store.Grant{service}}, rules: tt.rules, rulesErr: tt.rulesErr}
			results, err := Check(context.Background(), b, tt.logs)
			r := find(t, results, "lifecycle")
			if r.Status != tt.status || !strings.HasPrefix(r.Detail, tt.detail) || r.Hint != tt.hint {
				t.Errorf("lifecycle check = %+v\nwant %s %q, hint %q", r, tt.status, tt.detail, tt.hint)
			}
			if r.Err != tt.rulesErr {
				t.Errorf("lifecycle check error = %v, want %v", r.Err, tt.rulesErr)
			}
			if (tt.status == Fail) != (err != nil) {
				t.Errorf("error = %v", err)
			}
		})
	}
}

func TestCheckFlowLogs(t *testing.T) {
	b := &fakeBucket{acl: s3store.ACL{Owner: owner, Grants: []s3store.Grant{service}}}
	results, _ := Check(context.Background(), b, nil)
	if r := find(t, results, "flowlogs"); r.Status != Info || r.Hint != "flowlog create ... --bucket logs[/PREFIX]" {
		t.Errorf("no flow logs: %+v", r)
	}
	results, _ = Check(context.Background(), b, []flowlog.FlowLog{lb, web01})
	if r := find(t, results, "flowlogs"); r.Status != OK || r.Detail != "2 flow logs write here: lb (s3://logs/lb-*), web01 (s3://logs/web/web01-*)" {
		t.Errorf("two flow logs: %+v", r)
	}
}

func TestCheckFolder(t *testing.T) {
	summary := func(results []Result) string {
		var got []string
		for _, r := range results {
			got = append(got, r.Check+" "+r.Status)
		}
		return strings.Join(got, ", ")
	}
	where := "bucket logs (folder /data/logs)"

	results, err := CheckFolder("logs", where, &fakeBucket{}, nil, []flowlog.FlowLog{web01})
	if err != nil {
		t.Fatalf("an existing folder: %v", err)
	}
	if want := "bucket OK, acl SKIP, lifecycle SKIP, flowlogs OK"; summary(results) != want {
		t.Errorf("an existing folder: %s, want %s", summary(results), want)
	}
	if d := find(t, results, "bucket").Detail; !strings.Contains(d, "/data/logs") {
		t.Errorf("the bucket check does not say where the folder is: %q", d)
	}
	if r := find(t, results, "lifecycle"); !strings.Contains(r.Detail, "kept until deleted") || !strings.Contains(r.Hint, "prune") {
		t.Errorf("the lifecycle check does not say why it is skipped and what to do: %+v", r)
	}

	missing := fmt.Errorf("bucket logs does not exist: %w", objstore.ErrNoSuchBucket)
	results, err = CheckFolder("logs", where, nil, missing, []flowlog.FlowLog{web01})
	if want := "bucket FAIL, acl SKIP, lifecycle SKIP, flowlogs OK"; summary(results) != want {
		t.Errorf("a missing folder: %s, want %s", summary(results), want)
	}
	if h := find(t, results, "bucket").Hint; h != "flowlog bucket create logs" {
		t.Errorf("a missing folder hints %q, want the command that makes it", h)
	}
	var fe *FailedError
	if !errors.As(err, &fe) || fe.Failed != 1 || !errors.Is(fe.Cause, objstore.ErrNoSuchBucket) || !strings.HasPrefix(fe.Error(), where+": ") {
		t.Errorf("a missing folder: error %v, want 1 check failed for %s, caused by the missing bucket", err, where)
	}
}
