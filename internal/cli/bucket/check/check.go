// Package check is 'flowlog bucket check': can a bucket receive flow logs?
package check

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/bucketcheck"
	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/output"
)

// Options are the parsed arguments of 'flowlog bucket check'.
type Options struct {
	Factory *cmdutil.Factory

	Bucket string
}

// NewCmdCheck builds the command; runF, when not nil, runs instead of
// checkRun.
func NewCmdCheck(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
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

With no object storage configured, a bucket is a folder under the storage
root: the bucket check says whether the folder exists, and the acl and
lifecycle checks are skipped, since a folder has neither.

Each line says OK, INFO, WARN, FAIL or SKIP, with a hint where there is
something to do. The exit code is 0 unless a check fails: then 1, or 3 if
the bucket does not exist, or 5 if access is denied.`,
		Example: `  flowlog bucket check my-logs
  flowlog bucket check my-logs -o json | jq '.[] | select(.status == "FAIL")'`,
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
			return checkRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func checkRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	format, err := cmdutil.OutputFormat(f, output.Table, output.Formats...)
	if err != nil {
		return err
	}
	reg, err := f.Registry(ctx, cmdutil.RegistryOptions{})
	if err != nil {
		return err
	}
	logs, err := reg.List(ctx, flowlog.ListFilter{Bucket: opts.Bucket})
	if err != nil {
		return err
	}
	cfg, err := f.Settings()
	if err != nil {
		return err
	}
	var results []bucketcheck.Result
	var checkErr error
	if cfg.StorageConfigured() {
		store, err := f.Store(ctx, opts.Bucket)
		if err != nil {
			return err
		}
		bucket, ok := store.(bucketcheck.Bucket)
		if !ok {
			return cmdutil.UsageErrorf("%s: bucket check needs object storage", store)
		}
		results, checkErr = bucketcheck.Check(ctx, bucket, logs)
	} else {
		results, checkErr = checkFolder(ctx, f, opts.Bucket, logs)
	}
	if err := printResults(f, format, results); err != nil {
		return err
	}
	var failed *bucketcheck.FailedError
	if !errors.As(checkErr, &failed) {
		return checkErr
	}
	code := cmdutil.ExitError
	if failed.Cause != nil {
		code = cmdutil.ExitCode(failed.Cause)
	}
	return &cmdutil.UserError{Err: failed, Code: code}
}

// checkFolder checks a bucket kept as a folder, which may not exist.
func checkFolder(ctx context.Context, f *cmdutil.Factory, bucket string, logs []flowlog.FlowLog) ([]bucketcheck.Result, error) {
	where, err := cmdutil.FolderBucketWhere(f, bucket)
	if err != nil {
		return nil, err
	}
	store, err := f.Store(ctx, bucket)
	switch {
	case errors.Is(err, objstore.ErrNoSuchBucket):
		return bucketcheck.CheckFolder(bucket, where, nil, err, logs)
	case err != nil:
		return nil, err
	}
	return bucketcheck.CheckFolder(bucket, where, store, nil, logs)
}

// keys are the JSON and CSV keys of a check.
var keys = []string{"check", "status", "detail", "hint"}

func printResults(f *cmdutil.Factory, format output.Format, results []bucketcheck.Result) error {
	hint := func(r bucketcheck.Result) string {
		if r.Hint == "" && r.Err != nil {
			return cmdutil.StorageHint(r.Err)
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
	w, err := output.NewWriter(format, f.IO.Out, keys, output.Options{})
	if err != nil {
		return err
	}
	for _, r := range results {
		if err := w.Write([]output.Value{output.Str(r.Check), output.Str(r.Status), output.Str(r.Detail), cmdutil.Optional(hint(r))}); err != nil {
			return err
		}
	}
	return w.Close()
}
