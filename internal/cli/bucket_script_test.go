package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/miniotest"
	"github.com/flowlog/flowlog/internal/objstore/s3replay"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// replayServers are the s3replay servers started by scripts, by work folder.
var replayServers sync.Map

// scriptMinio is the MinIO server the script started.
func scriptMinio(ts *testscript.TestScript, cmd string) *miniotest.Server {
	v, ok := minioServers.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("%s: no server started: run 'minio start' first", cmd)
	}
	return v.(*miniotest.Server)
}

// sdkClient is a plain SDK client for the script's MinIO server, standing
// for another tool that manages the same bucket.
func sdkClient(srv *miniotest.Server) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(srv.Endpoint),
		Region:       miniotest.Region,
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
	})
}

// cmdLifecycle reads and writes a bucket's lifecycle behind flowlog's back,
// as another tool would:
//
//	lifecycle put BUCKET FILE   replace it with the rules in FILE (a JSON
//	                            array of the SDK's LifecycleRule)
//	lifecycle delete BUCKET     remove it
//	lifecycle get BUCKET [ID]   print each rule (or the rule with that ID)
//	                            as one line of JSON; "none: ..." if the
//	                            bucket has no lifecycle
func cmdLifecycle(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: lifecycle put BUCKET FILE | lifecycle delete BUCKET | lifecycle get BUCKET [ID]")
	}
	client := sdkClient(scriptMinio(ts, "lifecycle"))
	ctx := context.Background()
	bucket := args[1]
	switch {
	case args[0] == "put" && len(args) == 3:
		data, err := os.ReadFile(ts.MkAbs(args[2]))
		ts.Check(err)
		var rules []types.LifecycleRule
		ts.Check(json.Unmarshal(data, &rules))
		_, err = client.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
			Bucket:                 &bucket,
			LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules},
		})
		ts.Check(err)
	case args[0] == "delete" && len(args) == 2:
		_, err := client.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: &bucket})
		ts.Check(err)
	case args[0] == "get" && (len(args) == 2 || len(args) == 3):
		out, err := client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: &bucket})
		if err != nil {
			fmt.Fprintf(ts.Stdout(), "none: %v\n", err)
			return
		}
		for _, r := range out.Rules {
			if len(args) == 3 && aws.ToString(r.ID) != args[2] {
				continue
			}
			line, err := json.Marshal(r)
			ts.Check(err)
			fmt.Fprintf(ts.Stdout(), "%s\n", line)
		}
	default:
		ts.Fatalf("usage: lifecycle put BUCKET FILE | lifecycle delete BUCKET | lifecycle get BUCKET [ID]")
	}
}

// cmdS3ls prints every key of a bucket on the script's MinIO server, one a
// line: "s3ls BUCKET".
func cmdS3ls(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: s3ls BUCKET")
	}
	store, err := s3store.New(context.Background(), scriptMinio(ts, "s3ls").Config(args[0]))
	ts.Check(err)
	ts.Check(store.List(context.Background(), "", "", func(o objstore.Object) error {
		fmt.Fprintln(ts.Stdout(), o.Key)
		return nil
	}))
}

// cmdS3Wait waits until at least N objects lie under PREFIX in a bucket
// on the script's MinIO server: "s3wait BUCKET PREFIX N", the bucket's
// waitfiles.
func cmdS3Wait(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: s3wait BUCKET PREFIX N")
	}
	n, err := strconv.Atoi(args[2])
	ts.Check(err)
	store, err := s3store.New(context.Background(), scriptMinio(ts, "s3wait").Config(args[0]))
	ts.Check(err)
	waitUntil(ts, fmt.Sprintf("s3wait: %d objects under s3://%s/%s", n, args[0], args[1]), 20*time.Millisecond, func() bool {
		count := 0
		store.List(context.Background(), args[1], "", func(objstore.Object) error { count++; return nil })
		return count >= n
	})
}

// cmdS3Replay serves recorded S3 responses for the bucket requests MinIO
// does not implement (ACLs), through package s3replay:
//
//	s3replay start ACLFILE   serve FILE as every bucket's GetBucketAcl
//	                         answer; point flowlog at it
//	s3replay puts KIND       print the body of each PUT of KIND (acl,
//	                         lifecycle) received, one a line
func cmdS3Replay(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: s3replay start ACLFILE | s3replay puts acl|lifecycle")
	}
	work := ts.Getenv("WORK")
	switch args[0] {
	case "start":
		acl, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		srv := s3replay.Start(scriptTB{TB: scriptParent, ts: ts}, acl)
		replayServers.Store(work, srv)
		ts.Defer(func() { replayServers.Delete(work) })
		ts.Setenv("FLOWLOG_ENDPOINT", srv.URL)
		ts.Setenv("FLOWLOG_REGION", "us-east-1")
		ts.Setenv("AWS_ACCESS_KEY_ID", "replay-access-key")
		ts.Setenv("AWS_SECRET_ACCESS_KEY", "replay-secret-key")
	case "puts":
		v, ok := replayServers.Load(work)
		if !ok {
			ts.Fatalf("s3replay puts: no server started")
		}
		for _, body := range v.(*s3replay.Server).Puts(args[1]) {
			fmt.Fprintf(ts.Stdout(), "%s\n", body)
		}
	default:
		ts.Fatalf("usage: s3replay start ACLFILE | s3replay puts acl|lifecycle")
	}
}
