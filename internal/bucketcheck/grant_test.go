package bucketcheck

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

func TestPlanGrant(t *testing.T) {
	ctx := context.Background()
	acl := s3store.ACL{Owner: owner, Grants: []s3store.Grant{ownerGrant, groupRead}}
	b := &fakeBucket{acl: acl}
	p, err := PlanGrant(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	want := s3store.ACL{Owner: owner, Grants: []s3store.Grant{ownerGrant, groupRead, service}}
	if p.Existing != nil || !reflect.DeepEqual(p.Current, acl) || p.Grant != service || !reflect.DeepEqual(p.Next, want) {
		t.Fatalf("plan = %+v\nwant the ACL %+v", p, want)
	}
	if len(b.puts) != 0 {
		t.Fatal("planning wrote the ACL")
	}
	if err := p.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if len(b.puts) != 1 || !reflect.DeepEqual(b.puts[0], want) {
		t.Errorf("sent %+v, want %+v", b.puts, want)
	}
	if err := p.Verify(ctx); err != nil || b.readsBack != 1 {
		t.Errorf("Verify = %v after %d reads, want nil after reading the ACL back once", err, b.readsBack)
	}
	// Planning did not change the ACL it read.
	if len(acl.Grants) != 2 {
		t.Errorf("the current ACL changed: %+v", acl)
	}
}

func TestPlanGrantNothingToDo(t *testing.T) {
	for _, perm := range []string{s3store.PermWrite, s3store.PermFullControl} {
		g := s3store.Grant{GranteeType: s3store.GranteeCanonicalUser, ID: ServiceUserID, Permission: perm}
		// Even without an owner: nothing would be written.
		b := &fakeBucket{acl: s3store.ACL{Grants: []s3store.Grant{groupRead, g}}}
		p, err := PlanGrant(context.Background(), b)
		if err != nil || p.Existing == nil || *p.Existing != g {
			t.Errorf("%s granted: plan %+v, %v; want the existing grant", perm, p, err)
		}
	}
}

func TestPlanGrantRefused(t *testing.T) {
	tests := []struct {
		name string
		acl  s3store.ACL
		msg  string
		hint string
	}{
		{"no owner", s3store.ACL{Grants: []s3store.Grant{ownerGrant}},
			"s3://logs: the server's ACL names no owner; flowlog will not rewrite it", "does not seem to implement bucket ACLs"},
		{"a grantee flowlog does not know", s3store.ACL{Owner: owner, Grants: []s3store.Grant{ownerGrant, {GranteeType: "LogDelivery", Permission: s3store.PermWrite}}},
			`s3://logs: the ACL cannot be written back as it is: grant 2: unknown grantee type "LogDelivery"; nothing was changed`, "the tool that manages this bucket's ACL"},
		{"a grant without a grantee", s3store.ACL{Owner: owner, Grants: []s3store.Grant{{GranteeType: s3store.GranteeEmail, Permission: s3store.PermRead}}},
			"s3://logs: the ACL cannot be written back as it is: grant 1 (AmazonCustomerByEmail READ) names no grantee; nothing was changed", "the tool that manages"},
	}
	for _, tt := range tests {
		b := &fakeBucket{acl: tt.acl}
		p, err := PlanGrant(context.Background(), b)
		var re *RefusedError
		if !errors.As(err, &re) || err.Error() != tt.msg || !strings.Contains(re.Hint(), tt.hint) {
			t.Errorf("%s: plan %+v, error %v; want %q, hint %q", tt.name, p, err, tt.msg, tt.hint)
		}
	}
}

func TestPlanGrantReadError(t *testing.T) {
	readErr := fmt.Errorf("get ACL s3://logs: %w", s3store.ErrNotImplemented)
	if _, err := PlanGrant(context.Background(), &fakeBucket{aclErr: readErr}); err != readErr {
		t.Errorf("error = %v, want %v", err, readErr)
	}
}

func TestGrantApplyAndVerify(t *testing.T) {
	acl := s3store.ACL{Owner: owner, Grants: []s3store.Grant{ownerGrant, groupRead}}
	withGrant := s3store.ACL{Owner: owner, Grants: []s3store.Grant{ownerGrant, groupRead, service}}
	tests := []struct {
		name     string
		putErr   error
		afterPut *s3store.ACL
		backErr  error
		applyErr string
		err      string
	}{
		{name: "the server shows what was sent"},
		{name: "the server fills in display names", afterPut: &s3store.ACL{Owner: owner, Grants: []s3store.Grant{
			ownerGrant, groupRead, {GranteeType: s3store.GranteeCanonicalUser, ID: ServiceUserID, DisplayName: "flow logs", Permission: s3store.PermWrite}}}},
		{name: "put refused", putErr: fmt.Errorf("put ACL s3://logs: %w", objstore.ErrAccessDenied), applyErr: "put ACL s3://logs: access denied"},
		{name: "reading back fails", backErr: fmt.Errorf("get ACL s3://logs: %w", objstore.ErrUnreachable),
			err: "the new ACL was sent, but reading it back failed: get ACL s3://logs: storage unreachable"},
		{name: "the server ignores ACLs", afterPut: &acl,
			err: "s3://logs accepted the new ACL, but it does not show the grant: the server may ignore ACLs"},
		{name: "a grant is lost", afterPut: &s3store.ACL{Owner: owner, Grants: []s3store.Grant{ownerGrant, service}},
			err: "s3://logs: after the change the ACL lacks 1 grant that it had: READ for group http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
		{name: "two grants are lost", afterPut: &s3store.ACL{Owner: owner, Grants: []s3store.Grant{service}},
			err: "s3://logs: after the change the ACL lacks 2 grants that it had: FULL_CONTROL for user 12345678|owner (owner@example.com); READ for group http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &fakeBucket{acl: acl, putErr: tt.putErr, afterPut: tt.afterPut, backErr: tt.backErr}
			p, err := PlanGrant(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Apply(context.Background())
			if tt.applyErr != "" {
				if err == nil || err.Error() != tt.applyErr || !errors.Is(err, tt.putErr) {
					t.Errorf("Apply = %v, want %q", err, tt.applyErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(b.puts, []s3store.ACL{withGrant}) {
				t.Fatalf("Apply = %v, sent %+v", err, b.puts)
			}
			err = p.Verify(context.Background())
			if got := fmt.Sprint(err); (tt.err == "" && err != nil) || (tt.err != "" && got != tt.err) {
				t.Errorf("Verify = %v, want %q", err, tt.err)
			}
			if tt.backErr != nil && !errors.Is(err, tt.backErr) {
				t.Errorf("Verify = %v, does not wrap %v", err, tt.backErr)
			}
		})
	}
}

func TestLostGrants(t *testing.T) {
	email := s3store.Grant{GranteeType: s3store.GranteeEmail, Email: "a@example.com", Permission: s3store.PermRead}
	renamed := ownerGrant
	renamed.DisplayName = "someone else"
	downgraded := ownerGrant
	downgraded.Permission = s3store.PermRead
	tests := []struct {
		name          string
		before, after []s3store.Grant
		lost          []string
	}{
		{"all kept, in another order", []s3store.Grant{ownerGrant, groupRead, email}, []s3store.Grant{email, service, groupRead, ownerGrant}, nil},
		{"display names do not count", []s3store.Grant{ownerGrant}, []s3store.Grant{renamed}, nil},
		{"a permission changed", []s3store.Grant{ownerGrant}, []s3store.Grant{downgraded},
			[]string{"FULL_CONTROL for user 12345678|owner (owner@example.com)"}},
		{"everything gone", []s3store.Grant{groupRead, email}, nil,
			[]string{"READ for group http://acs.amazonaws.com/groups/global/AuthenticatedUsers", "READ for email a@example.com"}},
		{"nothing before", nil, []s3store.Grant{service}, nil},
	}
	for _, tt := range tests {
		if got := LostGrants(tt.before, tt.after); !slices.Equal(got, tt.lost) {
			t.Errorf("%s: LostGrants = %q, want %q", tt.name, got, tt.lost)
		}
	}
}
