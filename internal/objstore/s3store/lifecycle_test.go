package s3store_test

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/miniotest"
	"github.com/flowlog/flowlog/internal/objstore/s3replay"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// sdkClient is a plain SDK client, standing for another tool that manages
// the same bucket.
func sdkClient(srv *miniotest.Server) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(srv.Endpoint),
		Region:       miniotest.Region,
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
	})
}

// foreignRule uses parts of a rule that flowlog does not write itself (MinIO
// does not keep AbortIncompleteMultipartUpload, so it is left out): it must
// come back from every rewrite exactly as it was.
var foreignRule = types.LifecycleRule{
	ID:     aws.String("archive-prod"),
	Status: types.ExpirationStatusEnabled,
	Filter: &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{
		Prefix: aws.String("web/"),
		Tags:   []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}},
	}},
	Expiration:                  &types.LifecycleExpiration{Days: aws.Int32(365)},
	NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(30)},
}

func rawRules(t *testing.T, c *s3.Client, bucket string) []types.LifecycleRule {
	t.Helper()
	out, err := c.GetBucketLifecycleConfiguration(t.Context(), &s3.GetBucketLifecycleConfigurationInput{Bucket: &bucket})
	if err != nil {
		t.Fatalf("GetBucketLifecycleConfiguration: %v", err)
	}
	return out.Rules
}

func TestLifecycleKeepsOtherRules(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := newBucket(t, srv)
	s := newStore(t, srv.Config(bucket))
	ctx := t.Context()
	raw := sdkClient(srv)

	rules, err := s.Lifecycle(ctx)
	if err != nil || rules != nil {
		t.Fatalf("Lifecycle of a bucket without one = %v, %v; want nil, nil", rules, err)
	}
	if found, err := s.DeleteLifecycleRule(ctx, "nothing"); found || err != nil {
		t.Fatalf("DeleteLifecycleRule without a configuration = %v, %v", found, err)
	}

	// Another tool's rule first; then ours is added beside it.
	_, err = raw.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket:                 &bucket,
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{foreignRule}},
	})
	if err != nil {
		t.Fatal(err)
	}
	before := rawRules(t, raw, bucket)
	ours := s3store.LifecycleRule{ID: "flowlog-retention:web/web01-", Prefix: "web/web01-", Enabled: true, ExpireDays: 30}
	if err := s.PutLifecycleRule(ctx, ours); err != nil {
		t.Fatalf("PutLifecycleRule: %v", err)
	}
	ours.ExpireDays = 60
	if err := s.PutLifecycleRule(ctx, ours); err != nil {
		t.Fatalf("PutLifecycleRule again: %v", err)
	}
	after := rawRules(t, raw, bucket)
	if len(after) != 2 || !reflect.DeepEqual(after[0], before[0]) {
		t.Fatalf("rules after adding ours:\n%#v\nwant the other tool's rule unchanged, then ours", after)
	}

	rules, err = s.Lifecycle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []s3store.LifecycleRule{
		{ID: "archive-prod", Prefix: "web/", Enabled: true, ExpireDays: 365, Narrowed: true,
			Other: []string{"tag env=prod", "expires old versions after 30 days"}},
		{ID: "flowlog-retention:web/web01-", Prefix: "web/web01-", Enabled: true, ExpireDays: 60},
	}
	if !reflect.DeepEqual(rules, want) {
		t.Errorf("Lifecycle =\n%+v\nwant\n%+v", rules, want)
	}

	// Removing ours leaves the other; removing the last removes the
	// configuration.
	if found, err := s.DeleteLifecycleRule(ctx, ours.ID); !found || err != nil {
		t.Fatalf("DeleteLifecycleRule = %v, %v", found, err)
	}
	if got := rawRules(t, raw, bucket); len(got) != 1 || !reflect.DeepEqual(got[0], before[0]) {
		t.Fatalf("rules after removing ours = %#v", got)
	}
	if found, err := s.DeleteLifecycleRule(ctx, "archive-prod"); !found || err != nil {
		t.Fatalf("DeleteLifecycleRule of the last rule = %v, %v", found, err)
	}
	if rules, err := s.Lifecycle(ctx); err != nil || rules != nil {
		t.Errorf("Lifecycle after removing every rule = %v, %v", rules, err)
	}
}

func TestLifecycleMissingBucket(t *testing.T) {
	srv := miniotest.Start(t)
	s := newStore(t, srv.Config("no-such-bucket"))
	if _, err := s.Lifecycle(t.Context()); !errors.Is(err, objstore.ErrNoSuchBucket) {
		t.Errorf("Lifecycle = %v, want ErrNoSuchBucket", err)
	}
	err := s.PutLifecycleRule(t.Context(), s3store.LifecycleRule{ID: "x", ExpireDays: 1, Enabled: true})
	if !errors.Is(err, objstore.ErrNoSuchBucket) {
		t.Errorf("PutLifecycleRule = %v, want ErrNoSuchBucket", err)
	}
}

func TestPutLifecycleRuleRefusesBadRules(t *testing.T) {
	s, err := s3store.New(t.Context(), s3store.Config{Bucket: "b", Endpoint: "http://127.0.0.1:1", AccessKey: "k", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []s3store.LifecycleRule{
		{ID: "", ExpireDays: 1},
		{ID: strings.Repeat("x", 256), ExpireDays: 1},
		{ID: "x", ExpireDays: 0},
	} {
		if err := s.PutLifecycleRule(t.Context(), r); err == nil || errors.Is(err, objstore.ErrUnreachable) {
			t.Errorf("PutLifecycleRule(%+v) = %v, want a refusal before any request", r, err)
		}
	}
}

// A rule with settings the SDK does not model (MinIO's
// ExpiredObjectAllVersions) would lose them in a rewrite: nothing may be
// written. The document is the shape MinIO returns for such a rule, served
// by s3replay because the SDK cannot send it to MinIO in the first place.
func TestLifecycleRefusesToDropUnknownSettings(t *testing.T) {
	doc, err := os.ReadFile("testdata/lifecycle-minio-extension.xml")
	if err != nil {
		t.Fatal(err)
	}
	srv := s3replay.Start(t, nil)
	srv.SetLifecycle(doc)
	s := newStore(t, s3store.Config{Bucket: "b", Endpoint: srv.URL, AccessKey: "k", SecretKey: "s", MaxAttempts: 1})

	rules, err := s.Lifecycle(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 || !strings.Contains(strings.Join(rules[0].Other, ";"), "Expiration/ExpiredObjectAllVersions") {
		t.Errorf("Lifecycle = %+v, want the unknown setting named", rules)
	}
	err = s.PutLifecycleRule(t.Context(), s3store.LifecycleRule{ID: "flowlog-retention:web/", Prefix: "web/", Enabled: true, ExpireDays: 7})
	var le *s3store.LifecycleError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), `rule "purge-tmp": Expiration/ExpiredObjectAllVersions`) {
		t.Errorf("PutLifecycleRule = %v, want a *LifecycleError naming the setting", err)
	}
	if _, err := s.DeleteLifecycleRule(t.Context(), "flowlog-retention:web/"); !errors.As(err, &le) {
		t.Errorf("DeleteLifecycleRule = %v, want a *LifecycleError", err)
	}
	if puts := srv.Puts("lifecycle"); len(puts) != 0 {
		t.Errorf("sent %d lifecycle configurations, want none", len(puts))
	}
}
