package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/bucketcheck"
	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/output"
)

func newBucketCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bucket",
		Short: "Check that a bucket can receive flow logs, and fix its ACL",
		Long: `Check a bucket flow logs write to (bucket check), and grant the flow log
service user the permission to write into it (bucket grant).`,
		GroupID: "records",
	}
	cmd.AddCommand(newBucketCheckCmd(f), newBucketGrantCmd(f))
	return cmd
}

// parseBucketArg reads a bucket name, allowing "s3://" and a trailing "/".
func parseBucketArg(arg string) (string, error) {
	b := strings.TrimSuffix(strings.TrimPrefix(arg, "s3://"), "/")
	if strings.Contains(b, "/") {
		return "", usageErrorf("%s: give the bucket alone, without a prefix", arg)
	}
	if err := flowlog.ValidateBucket(b); err != nil {
		return "", err
	}
	return b, nil
}

func newBucketCheckCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check BUCKET",
		Short: "Check that a bucket can receive flow logs",
		Long: `Check a bucket, one line a check:

  bucket     it exists and the current credentials may use it
  acl        its ACL lets the flow log service user (canonical ID
             ` + bucketcheck.ServiceUserID + `) write into it
  lifecycle  whether a lifecycle rule expires flow log objects, or they are
             kept until deleted
  flowlogs   which configured flow logs write into it

Each line says OK, INFO, WARN, FAIL or SKIP, with a hint where there is
something to do. The exit code is 0 unless a check fails: then 1, or 3 if
the bucket does not exist, or 5 if access is denied.`,
		Example: `  flowlog bucket check my-logs
  flowlog bucket check my-logs -o json | jq '.[] | select(.status == "FAIL")'`,
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			bucket, err := parseBucketArg(args[0])
			if err != nil {
				return err
			}
			return bucketCheckRun(cmd.Context(), f, bucket)
		},
	}
	return cmd
}

func bucketCheckRun(ctx context.Context, f *Factory, bucket string) error {
	format, err := f.outputFormat(output.Table, output.Formats...)
	if err != nil {
		return err
	}
	e, err := f.Engine(ctx)
	if err != nil {
		return err
	}
	logs, err := e.List(ctx, engine.ListFilter{Bucket: bucket})
	if err != nil {
		return err
	}
	store, err := f.Store(ctx, bucket)
	if err != nil {
		return err
	}
	results, checkErr := bucketcheck.Check(ctx, store, logs)
	if err := printCheckResults(f, format, results); err != nil {
		return err
	}
	var failed *bucketcheck.FailedError
	if !errors.As(checkErr, &failed) {
		return checkErr
	}
	code := ExitError
	if failed.Cause != nil {
		code = exitCode(failed.Cause)
	}
	return &UserError{Err: failed, Code: code}
}

// checkKeys are the JSON and CSV keys of 'bucket check'.
var checkKeys = []string{"check", "status", "detail", "hint"}

func printCheckResults(f *Factory, format output.Format, results []bucketcheck.Result) error {
	hint := func(r bucketcheck.Result) string {
		if r.Hint == "" && r.Err != nil {
			return storageHint(r.Err)
		}
		return r.Hint
	}
	if format == output.Table {
		// One line a check, the hint below it: the details are too long
		// for table columns.
		for _, r := range results {
			fmt.Fprintf(f.IO.Out, "%-5s %-10s %s\n", r.Status, r.Check, r.Detail)
			if h := hint(r); h != "" {
				fmt.Fprintf(f.IO.Out, "%-16s hint: %s\n", "", h)
			}
		}
		return nil
	}
	w, err := output.NewWriter(format, f.IO.Out, checkKeys, output.Options{})
	if err != nil {
		return err
	}
	for _, r := range results {
		if err := w.Write([]output.Value{output.Str(r.Check), output.Str(r.Status), output.Str(r.Detail), optional(hint(r))}); err != nil {
			return err
		}
	}
	return w.Close()
}

func newBucketGrantCmd(f *Factory) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "grant BUCKET",
		Short: "Let the flow log service user write into a bucket",
		Long: `Add a WRITE grant for the flow log service user (canonical ID
` + bucketcheck.ServiceUserID + `) to the bucket's ACL, which the
service needs to deliver objects. S3 replaces an ACL whole, so flowlog reads
it and writes it back with every existing grant and the owner kept, the new
grant added; then it reads it again to verify.

Only WRITE is granted: the service writes objects, which the bucket owner
can read and delete. flowlog shows the new ACL and asks on a terminal;
elsewhere it needs --yes.`,
		Example: `  flowlog bucket grant my-logs
  flowlog bucket grant my-logs --yes`,
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			bucket, err := parseBucketArg(args[0])
			if err != nil {
				return err
			}
			return bucketGrantRun(cmd.Context(), f, bucket, yes)
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "change the ACL without asking")
	return cmd
}

func bucketGrantRun(ctx context.Context, f *Factory, bucket string, yes bool) error {
	store, err := f.Store(ctx, bucket)
	if err != nil {
		return err
	}
	plan, err := bucketcheck.PlanGrant(ctx, store)
	if err != nil {
		return notImplementedHint(err, "bucket ACLs")
	}
	w := f.IO.ErrOut
	if g := plan.Existing; g != nil {
		fmt.Fprintf(w, "the flow log service user may already write into s3://%s (%s): nothing to change\n", bucket, g.Permission)
		return nil
	}
	previewACL(w, bucket, plan)
	if err := f.confirm(yes, "write the new ACL of s3://"+bucket+"?"); err != nil {
		return err
	}
	if err := plan.Apply(ctx); err != nil {
		return notImplementedHint(err, "bucket ACLs")
	}
	if err := plan.Verify(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "granted WRITE on s3://%s to the flow log service user; the other %s kept\n", bucket, output.Count(len(plan.Current.Grants), "grant"))
	return nil
}

func previewACL(w io.Writer, bucket string, plan *bucketcheck.GrantPlan) {
	owner := plan.Current.Owner
	fmt.Fprintf(w, "ACL of s3://%s, owner %s:\n", bucket, bucketcheck.DescribeGrantee(s3store.Grant{GranteeType: s3store.GranteeCanonicalUser, ID: owner.ID, DisplayName: owner.DisplayName}))
	for _, g := range plan.Current.Grants {
		fmt.Fprintf(w, "  keep  %-12s  %s\n", g.Permission, bucketcheck.DescribeGrantee(g))
	}
	fmt.Fprintf(w, "  add   %-12s  %s (the flow log service user)\n", plan.Grant.Permission, bucketcheck.DescribeGrantee(plan.Grant))
}
