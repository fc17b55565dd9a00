package cmdutil

import (
	"errors"
	"fmt"

	"github.com/flowlog/flowlog/internal/iostreams"
)

// ErrDeclined is a "no" at a confirmation prompt.
var ErrDeclined = errors.New("cancelled: nothing was changed")

// Confirm asks before a destructive action. With --yes it goes ahead; on a
// terminal it asks; otherwise it refuses, since a script that forgot --yes
// should fail loudly rather than delete by surprise.
func Confirm(io *iostreams.IOStreams, yes bool, question string) error {
	if yes {
		return nil
	}
	if !io.CanPrompt() {
		return &UserError{
			Err:    fmt.Errorf("refusing to go ahead without confirmation: standard input is not a terminal"),
			Code:   ExitUsage,
			Advice: "pass --yes to confirm",
		}
	}
	ok, err := io.Confirm(question)
	if err != nil {
		return &UserError{Err: err, Code: ExitUsage, Advice: "pass --yes to confirm without a prompt"}
	}
	if !ok {
		return &UserError{Err: ErrDeclined, Code: ExitUsage}
	}
	return nil
}
