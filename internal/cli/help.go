package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/docs"
)

// helpTopics are pages shown by 'flowlog help TOPIC': the pages of docs/,
// embedded, so the terminal and the repository never disagree. They are
// commands without a Run, which cobra lists under "Additional help topics".
// A page is read when its help is shown, not when the tree is built: every
// run builds the tree, few show a topic.
func helpTopics() []*cobra.Command {
	topics := []struct{ name, file, short string }{
		{"exit-codes", "exit-codes.md", "Exit codes and what they mean"},
		{"query-language", "query-language.md", "The --where expression language"},
		{"json-output", "json-output.md", "The JSON, NDJSON and CSV output contract"},
		{"record-formats", "record-formats.md", "Version 2 and AWS custom formats: the fields, and header lines"},
		{"configuration", "configuration.md", "Settings, environment variables, the config file and the database"},
		{"retention", "retention.md", "Keeping buckets healthy: lifecycle rules, pruning, the bucket check"},
		{"questions", "questions.md", "Questions people ask of flow logs, and the commands that answer them"},
		{"serve", "serve.md", "flowlog serve: the Cloud API's flow log endpoints, locally"},
		{"beyond-one-machine", "beyond-one-machine.md", "The exported Parquet table, and SQL for DuckDB, Trino, Athena and Spark"},
	}
	var cmds []*cobra.Command
	for _, t := range topics {
		cmd := &cobra.Command{Use: t.name, Short: t.short}
		cmd.SetHelpFunc(func(c *cobra.Command, args []string) {
			page, err := docs.Pages.ReadFile(t.file)
			if err != nil {
				panic("docs: " + err.Error()) // the pages are embedded at build time
			}
			c.Long = strings.TrimSpace(string(page))
			c.SetHelpFunc(nil) // the help of the parent, now with the page
			c.HelpFunc()(c, args)
		})
		cmds = append(cmds, cmd)
	}
	return cmds
}
