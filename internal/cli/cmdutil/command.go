package cmdutil

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/source"
	"github.com/flowlog/flowlog/internal/timespec"
)

// ArgsUsage wraps a positional-argument validator so its error is a usage
// error (exit 2) with a pointer to help.
func ArgsUsage(validate cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := validate(cmd, args); err != nil {
			return &UserError{Err: err, Code: ExitUsage, Advice: "see '" + cmd.CommandPath() + " --help'"}
		}
		return nil
	}
}

// RegisterEnumCompletion completes a flag from a fixed list of values.
func RegisterEnumCompletion(cmd *cobra.Command, flag string, values ...string) {
	err := cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	if err != nil {
		panic(fmt.Sprintf("completion for --%s: %v", flag, err))
	}
}

// ParseWindow reads --since and --until.
func ParseWindow(since, until string, now time.Time) (source.Window, error) {
	var w source.Window
	var err error
	if since != "" {
		if w.Since, err = timespec.Parse(since, now); err != nil {
			return w, UsageErrorf("--since: %v", err)
		}
	}
	if until != "" {
		if w.Until, err = timespec.Parse(until, now); err != nil {
			return w, UsageErrorf("--until: %v", err)
		}
	}
	if !w.Since.IsZero() && !w.Until.IsZero() && w.Until.Before(w.Since) {
		return w, UsageErrorf("--until %s is before --since %s", w.Until.Format(time.RFC3339), w.Since.Format(time.RFC3339))
	}
	return w, nil
}
