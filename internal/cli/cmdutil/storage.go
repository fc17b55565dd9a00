package cmdutil

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// Store returns the store of a bucket, configured from the settings; one
// per bucket for the life of the command. With no object storage
// configured, the bucket is a folder under the storage root (buckets.go).
func (f *Factory) Store(ctx context.Context, bucket string) (objstore.Store, error) {
	if s, ok := f.stores[bucket]; ok {
		return s, nil
	}
	cfg, err := f.Settings()
	if err != nil {
		return nil, err
	}
	f.debugStorage(cfg, bucket)
	if !cfg.StorageConfigured() {
		s, err := f.folderStore(cfg, bucket)
		if err != nil {
			return nil, err
		}
		f.cacheStore(bucket, s)
		return s, nil
	}
	endpoint := cfg.Endpoint
	if endpoint == "" && cfg.Region != "" && !strings.Contains(cfg.Region, "://") {
		// An IONOS region key alone selects its endpoint.
		if _, _, ok := s3store.ResolveEndpoint(cfg.Region); ok {
			endpoint = cfg.Region
		}
	}
	region := cfg.Region
	if endpoint == cfg.Region {
		region = ""
	}
	sc := s3store.Config{
		Bucket:      bucket,
		Endpoint:    endpoint,
		Region:      region,
		PathStyle:   cfg.PathStyle,
		Profile:     cfg.AWSProfile,
		ReadTimeout: cfg.ReadTimeout,
		EC2Metadata: cfg.EC2Metadata,
		Counters:    &f.transfers,
	}
	if cfg.Debug {
		log := newDebugLog(f.IO.ErrOut)
		sc.Log = log.line
		sc.WrapTransport = func(next http.RoundTripper) http.RoundTripper {
			return &debugTransport{next: next, log: log}
		}
	}
	s, err := s3store.New(ctx, sc)
	if err != nil {
		return nil, &UserError{Err: err, Code: ExitUsage}
	}
	if f.stores == nil {
		f.stores = map[string]objstore.Store{}
	}
	f.stores[bucket] = s
	return s, nil
}

// Transfers counts what the reads of every bucket survived: retries and
// resumed bytes, for --stats.
func (f *Factory) Transfers() *s3store.Counters { return &f.transfers }

// storageExitCode maps object storage errors to exit codes; ok is false for
// errors that are not about storage.
func storageExitCode(err error) (int, bool) {
	switch {
	case errors.Is(err, objstore.ErrAccessDenied):
		return ExitAuth, true
	case errors.Is(err, objstore.ErrNoSuchBucket), errors.Is(err, objstore.ErrNotFound):
		return ExitNotFound, true
	case errors.Is(err, objstore.ErrUnreachable):
		return ExitError, true
	}
	return 0, false
}

// storageHint says what to do about an object storage error.
func StorageHint(err error) string {
	switch {
	case errors.Is(err, objstore.ErrAccessDenied):
		return "check the credentials ('flowlog config show' tells where they come from), --endpoint/--region, and the bucket's permissions"
	case errors.Is(err, objstore.ErrNoSuchBucket):
		return "check the bucket name and --endpoint/--region; flow logs need an existing bucket"
	case errors.Is(err, objstore.ErrUnreachable):
		return "check --endpoint/--region (or the profile) and the network"
	}
	return ""
}

// bucketChecker is a store that can say whether its bucket exists.
type bucketChecker interface {
	BucketExists(ctx context.Context) error
}

// VerifyBucket checks that a flow log's bucket exists and is reachable, as
// the service requires: a bucket in object storage, or a folder when none
// is configured.
func VerifyBucket(ctx context.Context, f *Factory, bucket string, skip bool) error {
	if skip {
		return nil
	}
	if cfg, err := f.Settings(); err == nil && !cfg.StorageConfigured() && UsesCloudAPI(f) {
		// The bucket is in the account's object storage, which flowlog
		// was not told about; the Cloud API checks it itself.
		return nil
	}
	store, err := f.Store(ctx, bucket)
	if err != nil {
		if errors.Is(err, objstore.ErrNoSuchBucket) {
			return WithHint(err, hintOf(err)+"; --no-verify skips this check")
		}
		return err
	}
	checker, ok := store.(bucketChecker)
	if !ok {
		return nil
	}
	if err := checker.BucketExists(ctx); err != nil {
		return &UserError{
			Err:    err,
			Code:   ExitCode(err),
			Advice: StorageHint(err) + "; --no-verify skips this check",
		}
	}
	return nil
}

// ParseBucketArg reads a bucket name, allowing "s3://" and a trailing "/".
func ParseBucketArg(arg string) (string, error) {
	b := strings.TrimSuffix(strings.TrimPrefix(arg, "s3://"), "/")
	if strings.Contains(b, "/") {
		return "", UsageErrorf("%s: give the bucket alone, without a prefix", arg)
	}
	if err := flowlog.ValidateBucket(b); err != nil {
		return "", err
	}
	return b, nil
}
