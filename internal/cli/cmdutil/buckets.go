package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/flowlog/flowlog/internal/config"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/retention"
)

// Without an endpoint, region or profile, buckets are folders under the
// storage root, so that the lines a user will type against a real bucket
// work on a fresh machine, with no account: a bucket "demo-logs" is the
// folder <storage root>/demo-logs.

// folderStore is the store of a bucket kept as a folder. A missing folder
// is a missing bucket (exit 3), with the command that makes it.
func (f *Factory) folderStore(cfg *config.Settings, bucket string) (objstore.Store, error) {
	if err := flowlog.ValidateBucket(bucket); err != nil {
		return nil, err
	}
	if cfg.StorageRoot == "" {
		return nil, &UserError{
			Err:    errors.New("locate the folder of bucket " + bucket + ": neither $HOME nor an absolute $XDG_DATA_HOME is set"),
			Code:   ExitUsage,
			Advice: "name the folder that holds buckets with FLOWLOG_STORAGE_ROOT, or configure object storage",
		}
	}
	s, err := local.Buckets{Root: cfg.StorageRoot}.Open(bucket)
	if err != nil {
		return nil, noBucketHint(err, bucket)
	}
	return s, nil
}

// noBucketHint points a missing bucket folder at the command that makes it.
func noBucketHint(err error, bucket string) error {
	var nb *local.NoBucketError
	if !errors.As(err, &nb) {
		return err
	}
	return &UserError{
		Err:    err,
		Code:   ExitNotFound,
		Advice: "make it with 'flowlog bucket create " + bucket + "', or configure object storage to use a real bucket (see 'flowlog help configuration')",
	}
}

// debugStorage logs, under --debug, where a bucket is kept.
func (f *Factory) debugStorage(cfg *config.Settings, bucket string) {
	if !cfg.Debug {
		return
	}
	where := "s3://" + bucket + " on " + DescribeStorage(cfg)
	if !cfg.StorageConfigured() {
		where = "folder " + local.Buckets{Root: cfg.StorageRoot}.Path(bucket) + " (no endpoint, region or profile configured)"
	}
	fmt.Fprintf(f.IO.ErrOut, "debug: bucket %s: %s\n", bucket, where)
}

// DescribeStorage says where buckets are, for 'config show' and --debug:
// "folders under PATH", or "s3 ENDPOINT, region R".
func DescribeStorage(cfg *config.Settings) string {
	if !cfg.StorageConfigured() {
		return "folders under " + cfg.StorageRoot
	}
	// The same choice as Store's: an IONOS region key alone selects its
	// endpoint, and signs with itself as the region.
	endpoint, region := cfg.Endpoint, cfg.Region
	if endpoint == "" && !strings.Contains(region, "://") {
		if _, _, ok := s3store.ResolveEndpoint(region); ok {
			endpoint, region = region, ""
		}
	}
	s := "s3 (the AWS endpoint, or AWS_ENDPOINT_URL)"
	if endpoint != "" {
		s = "s3, an endpoint that is not valid (see 'flowlog help configuration')"
		if ep, r, ok := s3store.ResolveEndpoint(endpoint); ok {
			s = "s3 " + ep
			if region == "" {
				region = r
			}
		}
	}
	if region != "" {
		s += ", region " + region
	}
	if cfg.AWSProfile != "" {
		s += ", AWS profile " + cfg.AWSProfile
	}
	return s
}

// BucketWhere names a bucket and where it is, for messages:
// "bucket demo-logs (folder PATH)" or "s3://demo-logs".
func BucketWhere(store objstore.Store, bucket string) string {
	if _, ok := store.(*local.Store); ok {
		return "bucket " + bucket + " (folder " + store.String() + ")"
	}
	return store.String()
}

// FolderBucketWhere names a bucket kept as a folder and its folder, whether
// or not the folder exists: "bucket demo-logs (folder PATH)".
func FolderBucketWhere(f *Factory, bucket string) (string, error) {
	cfg, err := f.Settings()
	if err != nil {
		return "", err
	}
	return "bucket " + bucket + " (folder " + local.Buckets{Root: cfg.StorageRoot}.Path(bucket) + ")", nil
}

// CreateBucket makes a bucket where buckets are: a folder under the
// storage root, or a bucket in object storage. created is false, with no
// error, when the bucket is already there.
func CreateBucket(ctx context.Context, f *Factory, bucket string) (store objstore.Store, created bool, err error) {
	cfg, err := f.Settings()
	if err != nil {
		return nil, false, err
	}
	if err := flowlog.ValidateBucket(bucket); err != nil {
		return nil, false, err
	}
	if !cfg.StorageConfigured() {
		f.debugStorage(cfg, bucket)
		s, created, err := local.Buckets{Root: cfg.StorageRoot}.Create(bucket)
		if err != nil {
			return nil, false, err
		}
		f.cacheStore(bucket, s)
		return s, created, nil
	}
	store, err = f.Store(ctx, bucket)
	if err != nil {
		return nil, false, err
	}
	creator, ok := store.(interface {
		CreateBucket(context.Context) (bool, error)
	})
	if !ok {
		return nil, false, fmt.Errorf("%s: this storage cannot create buckets", store)
	}
	created, err = creator.CreateBucket(ctx)
	if errors.Is(err, s3store.ErrBucketTaken) {
		return nil, false, &UserError{Err: err, Code: ExitRule, Advice: "bucket names are shared by every account of the service: choose another name"}
	}
	return store, created, err
}

// cacheStore keeps a bucket's store for the rest of the command.
func (f *Factory) cacheStore(bucket string, s objstore.Store) {
	if f.stores == nil {
		f.stores = map[string]objstore.Store{}
	}
	f.stores[bucket] = s
}

// LifecycleError explains an error from planning a lifecycle change for
// objs: for a bucket kept as a folder, that lifecycle rules need object
// storage and what to do instead; otherwise as NotImplementedHint does.
func LifecycleError(f *Factory, objs flowlog.Objects, err error) error {
	var nl *retention.NoLifecycleError
	bucket, isFolder := f.folderBucket(objs.Store)
	if !errors.As(err, &nl) || !isFolder {
		return NotImplementedHint(err, LifecycleConfigs)
	}
	what := "s3://" + bucket
	if objs.Prefix != "" {
		what += "/" + objs.Prefix
	}
	if objs.Name != "" {
		what += " --name " + objs.Name
	}
	return &UserError{
		Err:  fmt.Errorf("%s: lifecycle rules need object storage, and none is configured", BucketWhere(objs.Store, bucket)),
		Code: ExitUsage,
		Advice: "delete old objects with 'flowlog prune " + what + " --older-than AGE'; " +
			"lifecycle rules work once an endpoint, region or profile is configured (see 'flowlog help configuration')",
	}
}

// folderBucket reports whether store is a bucket kept as a folder, as
// Store made it, and which.
func (f *Factory) folderBucket(store objstore.Store) (string, bool) {
	if _, ok := store.(*local.Store); !ok {
		return "", false
	}
	for bucket, s := range f.stores {
		if s == store {
			return bucket, true
		}
	}
	return "", false
}
