package s3store_test

import (
	"testing"

	"github.com/flowlog/flowlog/internal/objstore/miniotest"
)

func TestCreateBucket(t *testing.T) {
	srv := miniotest.Start(t)
	s := newStore(t, srv.Config("made-by-flowlog"))
	ctx := t.Context()

	created, err := s.CreateBucket(ctx)
	if err != nil || !created {
		t.Fatalf("CreateBucket on a new name = %v, %v; want true, nil", created, err)
	}
	if err := s.BucketExists(ctx); err != nil {
		t.Fatalf("the created bucket does not exist: %v", err)
	}
	// A second create is no error: the bucket is there, and ours.
	created, err = s.CreateBucket(ctx)
	if err != nil || created {
		t.Fatalf("CreateBucket on an existing bucket = %v, %v; want false, nil", created, err)
	}
}
