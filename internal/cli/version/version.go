// Package version is 'flowlog version'.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
)

// Build is what the release build sets at link time.
type Build struct {
	Version string
	Commit  string
	Date    string
}

// NewCmdVersion builds the command.
func NewCmdVersion(f *cmdutil.Factory, build Build) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cmdutil.ArgsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(f.IO.Out, "flowlog %s\ncommit: %s\nbuilt: %s\ngo: %s %s/%s\n",
				build.Version, build.Commit, build.Date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
