package s3store_test

import (
	"encoding/xml"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/miniotest"
	"github.com/flowlog/flowlog/internal/objstore/s3replay"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// The ACL tests replay recorded responses (package s3replay): MinIO does
// not implement bucket ACLs. testdata/acl-shared.xml is shaped like the
// GetBucketAcl response of the S3 API reference, with IONOS-style canonical
// IDs ("contract|user"); testdata/acl-minio.xml is what MinIO answered,
// byte for byte.

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var sharedACL = s3store.ACL{
	Owner: s3store.Owner{ID: "12345678|0c1ad6a8-3a58-4b7f-9d3e-6f1a2b3c4d5e", DisplayName: "owner@example.com"},
	Grants: []s3store.Grant{
		{GranteeType: "CanonicalUser", ID: "12345678|0c1ad6a8-3a58-4b7f-9d3e-6f1a2b3c4d5e", DisplayName: "owner@example.com", Permission: "FULL_CONTROL"},
		{GranteeType: "CanonicalUser", ID: "12345678|7e2f0b4c-1d9a-4c3b-8e5f-a0b1c2d3e4f5", DisplayName: "auditor@example.com", Permission: "READ"},
		{GranteeType: "Group", URI: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", Permission: "READ_ACP"},
	},
}

func TestBucketACLRecorded(t *testing.T) {
	srv := s3replay.Start(t, readFile(t, "testdata/acl-shared.xml"))
	s := newStore(t, s3store.Config{Bucket: "my-logs", Endpoint: srv.URL, AccessKey: "k", SecretKey: "s", MaxAttempts: 1})
	acl, err := s.BucketACL(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(acl, sharedACL) {
		t.Errorf("BucketACL =\n%+v\nwant\n%+v", acl, sharedACL)
	}
}

// aclDoc is the AccessControlPolicy document a PutBucketAcl sends.
type aclDoc struct {
	Owner  struct{ ID string } `xml:"Owner"`
	Grants []struct {
		Grantee struct {
			Type  string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
			ID    string `xml:"ID"`
			URI   string `xml:"URI"`
			Email string `xml:"EmailAddress"`
		} `xml:"Grantee"`
		Permission string `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

func TestPutBucketACLKeepsEveryGrant(t *testing.T) {
	srv := s3replay.Start(t, readFile(t, "testdata/acl-shared.xml"))
	s := newStore(t, s3store.Config{Bucket: "my-logs", Endpoint: srv.URL, AccessKey: "k", SecretKey: "s", MaxAttempts: 1})
	ctx := t.Context()

	acl, err := s.BucketACL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acl.Grants = append(acl.Grants,
		s3store.Grant{GranteeType: "CanonicalUser", ID: "31721881|65b95d54-8b1b-459c-9d46-364296d9beaf", Permission: "WRITE"},
		s3store.Grant{GranteeType: "AmazonCustomerByEmail", Email: "ops@example.com", Permission: "READ"})
	if err := s.PutBucketACL(ctx, acl); err != nil {
		t.Fatalf("PutBucketACL: %v", err)
	}
	puts := srv.Puts("acl")
	if len(puts) != 1 {
		t.Fatalf("sent %d ACLs, want 1", len(puts))
	}
	var doc aclDoc
	if err := xml.Unmarshal(puts[0], &doc); err != nil {
		t.Fatalf("the request body is not an AccessControlPolicy: %v\n%s", err, puts[0])
	}
	if doc.Owner.ID != sharedACL.Owner.ID {
		t.Errorf("owner sent = %q, want %q", doc.Owner.ID, sharedACL.Owner.ID)
	}
	type grant struct{ typ, id, uri, email, perm string }
	var got []grant
	for _, g := range doc.Grants {
		got = append(got, grant{g.Grantee.Type, g.Grantee.ID, g.Grantee.URI, g.Grantee.Email, g.Permission})
	}
	want := []grant{
		{"CanonicalUser", "12345678|0c1ad6a8-3a58-4b7f-9d3e-6f1a2b3c4d5e", "", "", "FULL_CONTROL"},
		{"CanonicalUser", "12345678|7e2f0b4c-1d9a-4c3b-8e5f-a0b1c2d3e4f5", "", "", "READ"},
		{"Group", "", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", "", "READ_ACP"},
		{"CanonicalUser", "31721881|65b95d54-8b1b-459c-9d46-364296d9beaf", "", "", "WRITE"},
		{"AmazonCustomerByEmail", "", "", "ops@example.com", "READ"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("grants sent =\n%v\nwant\n%v\nbody:\n%s", got, want, puts[0])
	}

	// What was sent reads back as the new ACL.
	back, err := s.BucketACL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Grants) != 5 || back.Owner.ID != sharedACL.Owner.ID {
		t.Errorf("ACL read back = %+v", back)
	}
}

func TestPutBucketACLRefusesIncompleteACL(t *testing.T) {
	srv := s3replay.Start(t, readFile(t, "testdata/acl-minio.xml"))
	s := newStore(t, s3store.Config{Bucket: "b", Endpoint: srv.URL, AccessKey: "k", SecretKey: "s", MaxAttempts: 1})
	ctx := t.Context()
	// MinIO's fixed ACL has neither an owner ID nor a grantee ID.
	acl, err := s.BucketACL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := s3store.ACL{Grants: []s3store.Grant{{GranteeType: "CanonicalUser", Permission: "FULL_CONTROL"}}}
	if !reflect.DeepEqual(acl, want) {
		t.Errorf("BucketACL of MinIO's answer = %+v, want %+v", acl, want)
	}
	if err := s.PutBucketACL(ctx, acl); err == nil {
		t.Error("PutBucketACL without an owner ID succeeded")
	}
	acl.Owner.ID = "someone"
	if err := s.PutBucketACL(ctx, acl); err == nil {
		t.Error("PutBucketACL with a grant naming no grantee succeeded")
	}
	if puts := srv.Puts("acl"); len(puts) != 0 {
		t.Errorf("sent %d ACLs, want none", len(puts))
	}
}

// TestBucketACLMinIO records what MinIO does, which the commands must cope
// with: a fixed owner-only ACL, and PutBucketAcl refused as not
// implemented unless its first grant is FULL_CONTROL (then it is accepted
// and ignored).
func TestBucketACLMinIO(t *testing.T) {
	srv := miniotest.Start(t)
	s := newStore(t, srv.Config(newBucket(t, srv)))
	ctx := t.Context()
	acl, err := s.BucketACL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if acl.Owner.ID != "" || len(acl.Grants) != 1 || acl.Grants[0].Permission != "FULL_CONTROL" {
		t.Errorf("MinIO's ACL = %+v, want its fixed owner-only ACL", acl)
	}
	err = s.PutBucketACL(ctx, s3store.ACL{Owner: s3store.Owner{ID: "owner"}, Grants: []s3store.Grant{
		{GranteeType: "CanonicalUser", ID: "31721881|65b95d54-8b1b-459c-9d46-364296d9beaf", Permission: "WRITE"},
	}})
	if !errors.Is(err, s3store.ErrNotImplemented) {
		t.Errorf("PutBucketACL on MinIO = %v, want ErrNotImplemented", err)
	}

	_, err = newStore(t, srv.Config("no-such-bucket")).BucketACL(ctx)
	if !errors.Is(err, objstore.ErrNoSuchBucket) {
		t.Errorf("BucketACL of a missing bucket = %v, want ErrNoSuchBucket", err)
	}
}
