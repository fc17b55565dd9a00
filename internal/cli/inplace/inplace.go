// Package inplace holds the verbs people try first to change a flow log
// (update, set, edit, modify, patch). They exist only to refuse, with the
// reason and the way out: flow logs cannot be changed after creation.
package inplace

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/engine"
)

// NewCmds builds one hidden command for each verb.
func NewCmds() []*cobra.Command {
	var cmds []*cobra.Command
	for _, verb := range []string{"update", "set", "edit", "modify", "patch"} {
		cmds = append(cmds, &cobra.Command{
			Use:                verb,
			Short:              "Refused: flow logs cannot be changed in place (see 'flowlog replace')",
			Hidden:             true,
			DisableFlagParsing: true,
			RunE: func(cmd *cobra.Command, args []string) error {
				field := ""
				for _, a := range args {
					if strings.HasPrefix(a, "--") && len(a) > 2 {
						field, _, _ = strings.Cut(a[2:], "=")
						break
					}
				}
				return engine.ImmutableError(field)
			},
		})
	}
	return cmds
}
