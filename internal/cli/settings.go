package cli

import (
	"github.com/spf13/pflag"

	"github.com/flowlog/flowlog/internal/config"
)

// setFlags gives config.Load the flags the user set; a flag left at its
// default does not count, so the settings below it can apply.
func setFlags(flags *pflag.FlagSet) config.Lookup {
	return func(name string) (string, bool) {
		f := flags.Lookup(name)
		if f == nil || !f.Changed {
			return "", false
		}
		return f.Value.String(), true
	}
}
