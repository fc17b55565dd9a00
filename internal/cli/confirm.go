package cli

import (
	"errors"
	"fmt"
)

// errDeclined is a "no" at a confirmation prompt.
var errDeclined = errors.New("cancelled: nothing was changed")

// confirm asks before a destructive action. With --yes it goes ahead; on a
// terminal it asks; otherwise it refuses, since a script that forgot --yes
// should fail loudly rather than delete by surprise.
func (f *Factory) confirm(yes bool, question string) error {
	if yes {
		return nil
	}
	if !f.IO.CanPrompt() {
		return &UserError{
			Err:    fmt.Errorf("refusing to go ahead without confirmation: standard input is not a terminal"),
			Code:   ExitUsage,
			Advice: "pass --yes to confirm",
		}
	}
	ok, err := f.IO.Confirm(question)
	if err != nil {
		return &UserError{Err: err, Code: ExitUsage, Advice: "pass --yes to confirm without a prompt"}
	}
	if !ok {
		return &UserError{Err: errDeclined, Code: ExitUsage}
	}
	return nil
}
