package bucketcheck

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// ACLStore is a bucket's access control list (s3store.Store has it).
type ACLStore interface {
	// String names the bucket: "s3://my-logs".
	String() string
	BucketACL(ctx context.Context) (s3store.ACL, error)
	PutBucketACL(ctx context.Context, acl s3store.ACL) error
}

// RefusedError says why an ACL is not rewritten: nothing was sent.
type RefusedError struct {
	msg, hint string
}

func (e *RefusedError) Error() string { return e.msg }

// Hint says what to do instead.
func (e *RefusedError) Hint() string { return e.hint }

// GrantPlan adds the flow log service user's WRITE grant to a bucket's ACL.
// S3 replaces an ACL whole, so the new ACL is the current one, owner and
// every grant kept, with the grant added.
type GrantPlan struct {
	// Existing, if set, is the grant that already lets the service user
	// write: there is nothing to do, and the fields below are empty.
	Existing *s3store.Grant

	Current s3store.ACL
	Grant   s3store.Grant // the grant to add
	Next    s3store.ACL   // the ACL to write

	store ACLStore
}

// PlanGrant reads the bucket's ACL and works out the new one. It refuses,
// with a *RefusedError, an ACL it cannot write back as it is, such as
// MinIO's owner-less stand-in.
func PlanGrant(ctx context.Context, store ACLStore) (*GrantPlan, error) {
	acl, err := store.BucketACL(ctx)
	if err != nil {
		return nil, err
	}
	if g, ok := ServiceGrant(acl); ok {
		return &GrantPlan{Existing: &g, store: store}, nil
	}
	if acl.Owner.ID == "" {
		return nil, &RefusedError{
			msg:  fmt.Sprintf("%s: the server's ACL names no owner; flowlog will not rewrite it", store),
			hint: "the server does not seem to implement bucket ACLs (MinIO answers with a fixed ACL); IONOS Object Storage does",
		}
	}
	grant := s3store.Grant{GranteeType: s3store.GranteeCanonicalUser, ID: ServiceUserID, Permission: s3store.PermWrite}
	next := s3store.ACL{Owner: acl.Owner, Grants: append(slices.Clone(acl.Grants), grant)}
	if err := next.Validate(); err != nil {
		return nil, &RefusedError{
			msg:  fmt.Sprintf("%s: the ACL cannot be written back as it is: %v; nothing was changed", store, err),
			hint: "add the grant with the tool that manages this bucket's ACL",
		}
	}
	return &GrantPlan{Current: acl, Grant: grant, Next: next, store: store}, nil
}

// Apply writes the new ACL. Verify then checks what the server made of it.
func (p *GrantPlan) Apply(ctx context.Context) error {
	return p.store.PutBucketACL(ctx, p.Next)
}

// Verify reads the ACL back after Apply: a server may accept an ACL and
// apply it differently, or not at all. It fails if the grant is missing or
// a grant the bucket had before is gone.
func (p *GrantPlan) Verify(ctx context.Context) error {
	back, err := p.store.BucketACL(ctx)
	if err != nil {
		return fmt.Errorf("the new ACL was sent, but reading it back failed: %w", err)
	}
	if _, ok := ServiceGrant(back); !ok {
		return fmt.Errorf("%s accepted the new ACL, but it does not show the grant: the server may ignore ACLs", p.store)
	}
	if lost := LostGrants(p.Current.Grants, back.Grants); len(lost) > 0 {
		return fmt.Errorf("%s: after the change the ACL lacks %s that it had: %s", p.store, count(len(lost), "grant"), strings.Join(lost, "; "))
	}
	return nil
}

// LostGrants lists, in words, the grants of before missing from after.
// Display names do not count: the server fills them in as it likes.
func LostGrants(before, after []s3store.Grant) []string {
	key := func(g s3store.Grant) string {
		return g.GranteeType + "|" + g.ID + "|" + g.URI + "|" + g.Email + "|" + g.Permission
	}
	have := map[string]bool{}
	for _, g := range after {
		have[key(g)] = true
	}
	var lost []string
	for _, g := range before {
		if !have[key(g)] {
			lost = append(lost, g.Permission+" for "+DescribeGrantee(g))
		}
	}
	return lost
}

// DescribeGrantee names a grantee: "user ID (display name)", "group URI",
// "email ADDRESS".
func DescribeGrantee(g s3store.Grant) string {
	var s string
	switch g.GranteeType {
	case s3store.GranteeGroup:
		s = "group " + g.URI
	case s3store.GranteeEmail:
		s = "email " + g.Email
	default:
		s = "user " + g.ID
	}
	if g.DisplayName != "" {
		s += " (" + g.DisplayName + ")"
	}
	return s
}
