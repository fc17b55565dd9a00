package s3store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/flowlog/flowlog/internal/objstore"
)

// ErrBucketTaken means a bucket of that name exists and belongs to someone
// else: bucket names are shared by every account of a service.
var ErrBucketTaken = errors.New("the bucket name is taken by another account")

// CreateBucket creates the bucket (CreateBucket) in the store's region.
// created is false, with no error, when the bucket exists and these
// credentials may use it; a name held by another account gives an error
// wrapping ErrBucketTaken.
func (s *Store) CreateBucket(ctx context.Context) (created bool, err error) {
	// AWS's us-east-1 answers a second CreateBucket by the owner with 200,
	// so only a look first tells "created" from "was there".
	err = s.BucketExists(ctx)
	switch {
	case err == nil:
		return false, nil
	case !errors.Is(err, objstore.ErrNoSuchBucket):
		return false, err
	}
	in := &s3.CreateBucketInput{Bucket: &s.bucket}
	// us-east-1 is the one region that refuses its own name as a location
	// constraint; every other region (IONOS's "de" among them) needs it.
	if region := s.client.Options().Region; region != "" && region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(region)}
	}
	_, err = s.client.CreateBucket(ctx, in)
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "BucketAlreadyOwnedByYou":
			return false, nil // made meanwhile, by us
		case "BucketAlreadyExists":
			return false, &opError{msg: "create " + s.name("") + ": " + ErrBucketTaken.Error(), kind: ErrBucketTaken, err: err}
		}
	}
	if err != nil {
		return false, s.wrap(ctx, "create", "", nil, err)
	}
	return true, nil
}
