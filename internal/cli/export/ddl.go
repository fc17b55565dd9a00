package export

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/sqlgen"
)

// ddlRun prints the statements that make the export at --to a table named
// flowlogs in an SQL engine (--ddl DIALECT); it exports nothing.
func ddlRun(opts *Options) error {
	switch {
	case opts.To == "":
		return cmdutil.UsageErrorf("--ddl needs --to: the folder or s3://BUCKET[/PREFIX] the export is in")
	case len(opts.Sources) > 0 || len(opts.FlowLogs) > 0:
		return cmdutil.UsageErrorf("--ddl prints a table definition and exports nothing: drop the sources, or run the export without --ddl")
	}
	location := opts.To
	if !strings.Contains(location, "://") {
		abs, err := filepath.Abs(location)
		if err != nil {
			return err
		}
		location = abs
	}
	ddl, err := sqlgen.DDL(opts.DDL, location)
	if err != nil {
		return cmdutil.UsageErrorf("--ddl: %v", err)
	}
	_, err = fmt.Fprint(opts.Factory.IO.Out, ddl)
	return err
}
