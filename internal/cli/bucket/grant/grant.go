// Package grant is 'flowlog bucket grant': let the flow log service user
// write into a bucket.
package grant

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/bucketcheck"
	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/output"
)

// Options are the parsed flags and arguments of 'flowlog bucket grant'.
type Options struct {
	Factory *cmdutil.Factory

	Bucket string
	Yes    bool
}

// NewCmdGrant builds the command; runF, when not nil, runs instead of
// grantRun.
func NewCmdGrant(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
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
		Args: cmdutil.ArgsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			bucket, err := cmdutil.ParseBucketArg(args[0])
			if err != nil {
				return err
			}
			opts.Bucket = bucket
			if runF != nil {
				return runF(opts)
			}
			return grantRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "change the ACL without asking")
	return cmd
}

func grantRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	bucket := opts.Bucket
	s, err := f.Store(ctx, bucket)
	if err != nil {
		return err
	}
	store, ok := s.(bucketcheck.ACLStore)
	if !ok {
		return cmdutil.UsageErrorf("%s: a folder has no ACL; bucket grant needs object storage", s)
	}
	plan, err := bucketcheck.PlanGrant(ctx, store)
	if err != nil {
		return cmdutil.NotImplementedHint(err, "bucket ACLs")
	}
	w := f.IO.ErrOut
	if g := plan.Existing; g != nil {
		fmt.Fprintf(w, "the flow log service user may already write into s3://%s (%s): nothing to change\n", bucket, g.Permission)
		return nil
	}
	previewACL(w, bucket, plan)
	if err := cmdutil.Confirm(f.IO, opts.Yes, "write the new ACL of s3://"+bucket+"?"); err != nil {
		return err
	}
	if err := plan.Apply(ctx); err != nil {
		return cmdutil.NotImplementedHint(err, "bucket ACLs")
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
