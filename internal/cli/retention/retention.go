// Package retention is 'flowlog retention': lifecycle rules that expire flow
// log objects. Its verbs are in the folders below.
package retention

import (
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/cli/retention/clear"
	"github.com/flowlog/flowlog/internal/cli/retention/set"
	"github.com/flowlog/flowlog/internal/cli/retention/show"
	"github.com/flowlog/flowlog/internal/retention"
)

// NewCmdRetention builds the command and its verbs.
func NewCmdRetention(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Expire flow log objects with a bucket lifecycle rule",
		Long: `Flow log objects stay in their bucket until deleted. A lifecycle rule of the
bucket has the storage delete them a number of days after they were written.

flowlog's rules have IDs starting "` + retention.RuleIDPrefix + `"; it adds them to the
bucket's other lifecycle rules and never changes or removes a rule it did not
make. Lifecycle rules need object storage: for a local folder, see
'flowlog prune', which deletes old objects now.`,
	}
	cmd.AddCommand(set.NewCmdSet(f, nil), show.NewCmdShow(f, nil), clear.NewCmdClear(f, nil))
	return cmd
}
