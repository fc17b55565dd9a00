package s3store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Grantee types, as S3 spells them.
const (
	GranteeCanonicalUser = "CanonicalUser"
	GranteeGroup         = "Group"
	GranteeEmail         = "AmazonCustomerByEmail"
)

// Permissions a grant gives, as S3 spells them.
const (
	PermFullControl = "FULL_CONTROL"
	PermWrite       = "WRITE"
	PermWriteACP    = "WRITE_ACP"
	PermRead        = "READ"
	PermReadACP     = "READ_ACP"
)

// Grant is one entry of an access control list: a grantee and what it may
// do. A grantee is named by ID (a canonical user), URI (a group) or Email.
type Grant struct {
	GranteeType string // GranteeCanonicalUser, GranteeGroup or GranteeEmail
	ID          string
	URI         string
	Email       string
	DisplayName string
	Permission  string // PermFullControl, PermWrite, ...
}

// Owner is the owner of a bucket.
type Owner struct {
	ID          string
	DisplayName string
}

// ACL is a bucket's access control list.
type ACL struct {
	Owner  Owner
	Grants []Grant
}

// BucketACL reads the bucket's access control list (GetBucketAcl).
func (s *Store) BucketACL(ctx context.Context) (ACL, error) {
	out, err := s.client.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: &s.bucket})
	if err != nil {
		return ACL{}, s.wrapBucketConfig(ctx, "get ACL", err)
	}
	var acl ACL
	if out.Owner != nil {
		acl.Owner = Owner{ID: aws.ToString(out.Owner.ID), DisplayName: aws.ToString(out.Owner.DisplayName)}
	}
	for _, g := range out.Grants {
		grant := Grant{Permission: string(g.Permission)}
		if e := g.Grantee; e != nil {
			grant.GranteeType = string(e.Type)
			grant.ID = aws.ToString(e.ID)
			grant.URI = aws.ToString(e.URI)
			grant.Email = aws.ToString(e.EmailAddress)
			grant.DisplayName = aws.ToString(e.DisplayName)
		}
		acl.Grants = append(acl.Grants, grant)
	}
	return acl, nil
}

// Validate checks that acl can be sent as it is: an owner ID, and grants
// that each name a grantee of a known type and a permission.
func (acl ACL) Validate() error {
	if acl.Owner.ID == "" {
		return errors.New("the ACL names no owner ID")
	}
	for i, g := range acl.Grants {
		var who string
		switch g.GranteeType {
		case GranteeCanonicalUser:
			who = g.ID
		case GranteeGroup:
			who = g.URI
		case GranteeEmail:
			who = g.Email
		default:
			return fmt.Errorf("grant %d: unknown grantee type %q", i+1, g.GranteeType)
		}
		if who == "" {
			return fmt.Errorf("grant %d (%s %s) names no grantee", i+1, g.GranteeType, g.Permission)
		}
		if g.Permission == "" {
			return fmt.Errorf("grant %d has no permission", i+1)
		}
	}
	return nil
}

// PutBucketACL replaces the bucket's access control list with acl
// (PutBucketAcl). Every grant the bucket is to keep must be in acl: S3 has
// no request that adds one grant. An acl that does not Validate is refused
// before anything is sent.
func (s *Store) PutBucketACL(ctx context.Context, acl ACL) error {
	if err := acl.Validate(); err != nil {
		return fmt.Errorf("put ACL %s: %w", s.name(""), err)
	}
	// Display names are the server's to fill in; S3 ignores or refuses
	// them in a request.
	policy := &types.AccessControlPolicy{Owner: &types.Owner{ID: aws.String(acl.Owner.ID)}}
	for _, g := range acl.Grants {
		e := &types.Grantee{Type: types.Type(g.GranteeType), ID: nonEmpty(g.ID), URI: nonEmpty(g.URI), EmailAddress: nonEmpty(g.Email)}
		switch g.GranteeType {
		case GranteeCanonicalUser:
			e.URI, e.EmailAddress = nil, nil
		case GranteeGroup:
			e.ID, e.EmailAddress = nil, nil
		case GranteeEmail:
			e.ID, e.URI = nil, nil
		}
		policy.Grants = append(policy.Grants, types.Grant{Grantee: e, Permission: types.Permission(g.Permission)})
	}
	_, err := s.client.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: &s.bucket, AccessControlPolicy: policy})
	if err != nil {
		return s.wrapBucketConfig(ctx, "put ACL", err)
	}
	return nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
