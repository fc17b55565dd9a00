package cli

import "github.com/spf13/cobra"

// helpTopics are pages shown by 'flowlog help TOPIC'. They are commands
// without a Run, which cobra lists under "Additional help topics".
func helpTopics() []*cobra.Command {
	return []*cobra.Command{
		{
			Use:   "exit-codes",
			Short: "Exit codes and what they mean",
			Long: `flowlog exits with one of these codes. Scripts may rely on them; they are never
renumbered.

  0  success
  1  any other failure: I/O, a malformed record or object, a server error
  2  usage or invalid input: an unknown flag, a bad value, a missing argument,
     a name that matches several flow logs, a refused confirmation
  3  not found: no flow log, object, bucket or file of that name
  4  rule violation: a flow log already exists for the resource, a change to
     a flow log in place, two flow logs writing the same objects
  5  access denied or missing credentials

Errors are printed once, to standard error, followed by a hint line where
there is something to do about them.`,
		},
		{
			Use:   "environment",
			Short: "Environment variables and the config file",
			Long: `Every setting comes from, in order of precedence:

  1. a command-line flag
  2. an environment variable FLOWLOG_<SETTING> (FLOWLOG_DB, FLOWLOG_OUTPUT, ...)
  3. the config file: $XDG_CONFIG_HOME/flowlog/config.yaml (~/.config/flowlog/config.yaml),
     or the file named by --config / FLOWLOG_CONFIG
  4. the default

Settings:
  db      path of the configuration database
          (default $XDG_DATA_HOME/flowlog/flowlog.db, ~/.local/share/flowlog/flowlog.db)
  output  default output format

NO_COLOR and TERM=dumb turn off colour and progress bars.`,
		},
	}
}
