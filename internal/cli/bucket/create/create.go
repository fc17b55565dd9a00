// Package create is 'flowlog bucket create': a bucket for flow logs to
// write into, in object storage or, with none configured, as a folder.
package create

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
)

// Options are the parsed arguments of 'flowlog bucket create'.
type Options struct {
	Factory *cmdutil.Factory

	Bucket string
}

// NewCmdCreate builds the command; runF, when not nil, runs instead of
// createRun.
func NewCmdCreate(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "create BUCKET",
		Short: "Make a bucket for flow logs to write into",
		Long: `Make a bucket, which a flow log needs before it is created.

With object storage configured (--endpoint, --region or --profile), this
creates the bucket there (CreateBucket), in the configured region. With none
configured, a bucket is a folder under the storage root
($XDG_DATA_HOME/flowlog/buckets unless FLOWLOG_STORAGE_ROOT or storage-root
in the config file says otherwise), and this makes the folder.

A bucket that already exists, and that you may use, is left as it is: the
command says so and exits 0, so scripts can run it every time. A name held
by another account of the service exits 4.`,
		Example: `  flowlog bucket create demo-logs
  flowlog bucket create my-logs --region de`,
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
			return createRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func createRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	store, created, err := cmdutil.CreateBucket(ctx, f, opts.Bucket)
	if err != nil {
		return err
	}
	where := cmdutil.BucketWhere(store, opts.Bucket)
	if created {
		fmt.Fprintf(f.IO.ErrOut, "created %s\n", where)
	} else {
		fmt.Fprintf(f.IO.ErrOut, "%s already exists: nothing to do\n", where)
	}
	return nil
}
