// Package config is 'flowlog config': flowlog's own settings. Its verbs are
// in the folders below.
package config

import (
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/cli/config/show"
)

// NewCmdConfig builds the command and its verbs.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show flowlog's settings",
	}
	cmd.AddCommand(show.NewCmdShow(f, nil))
	return cmd
}
