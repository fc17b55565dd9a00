package query

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/sqlgen"
)

// sqlRun prints the SQL that answers the question over the exported table
// instead of answering it (--sql DIALECT). The table is --table, or for
// DuckDB a SOURCE folder or s3:// location of an export read with
// read_parquet, or else the table 'flowlog export --ddl' defines.
func sqlRun(opts *Options) error {
	f := opts.Factory
	d, err := sqlgen.ParseDialect(opts.SQL)
	if err != nil {
		return cmdutil.UsageErrorf("--sql: %v", err)
	}
	if opts.Follow {
		return cmdutil.UsageErrorf("--sql prints a query: it cannot be combined with --follow")
	}
	from := sqlgen.TableName
	switch {
	case opts.Table != "" && len(opts.Sources) > 0:
		return cmdutil.UsageErrorf("--table and a SOURCE both name what the SQL reads: give one")
	case opts.Table != "":
		from = opts.Table
	case len(opts.Sources) > 1:
		return cmdutil.UsageErrorf("--sql reads one export: name one SOURCE folder or s3:// location")
	case len(opts.Sources) == 1 && d != sqlgen.DuckDB:
		return cmdutil.WithHint(cmdutil.UsageErrorf("--sql %s reads a table, not a SOURCE: name it with --table", d),
			fmt.Sprintf("'flowlog export --ddl %s --to LOCATION' prints the definition of a table named %s", d, sqlgen.TableName))
	case len(opts.Sources) == 1:
		loc := opts.Sources[0]
		if !strings.Contains(loc, "://") {
			if loc, err = filepath.Abs(loc); err != nil {
				return err
			}
		}
		from = sqlgen.ReadParquet(loc)
	}
	window, err := cmdutil.ParseWindow(opts.Since, opts.Until, f.Now())
	if err != nil {
		return err
	}
	opts.Spec.Since, opts.Spec.Until = window.Since, window.Until
	sql, err := sqlgen.Query(d, from, opts.Spec, opts.FlowLogs)
	var specErr *query.SpecError
	switch {
	case errors.As(err, &specErr):
		return err
	case err != nil:
		// The question is fine but has no SQL over the exported table.
		return cmdutil.UsageErrorf("%v", err)
	}
	if d == sqlgen.Athena && len(opts.FlowLogs) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "flowlog: the Athena table of 'flowlog export --ddl athena' projects the flowlog partition from the query: add --flowlog NAME")
	}
	_, err = fmt.Fprint(f.IO.Out, sql)
	return err
}
