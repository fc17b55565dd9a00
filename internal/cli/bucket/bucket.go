// Package bucket is 'flowlog bucket': making the buckets flow logs write
// to, and their health. Its verbs are in the folders below.
package bucket

import (
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/bucket/check"
	"github.com/flowlog/flowlog/internal/cli/bucket/create"
	"github.com/flowlog/flowlog/internal/cli/bucket/grant"
	"github.com/flowlog/flowlog/internal/cli/cmdutil"
)

// NewCmdBucket builds the command and its verbs.
func NewCmdBucket(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bucket",
		Short: "Make a bucket, check that it can receive flow logs, and fix its ACL",
		Long: `Make a bucket for flow logs (bucket create), check a bucket flow logs write
to (bucket check), and grant the flow log service user the permission to
write into it (bucket grant).`,
	}
	cmd.AddCommand(create.NewCmdCreate(f, nil), check.NewCmdCheck(f, nil), grant.NewCmdGrant(f, nil))
	return cmd
}
