// Package sqlgen writes the SQL that asks a flowlog question of the table
// 'flowlog export' writes (Parquet in Hive partitions, layout in
// docs/beyond-one-machine.md), in the dialects of DuckDB, Trino, Athena and
// Spark: the query for a query.Spec, and the table definition.
//
// The SQL keeps flowlog's meaning where SQL's differs: a term on an absent
// field (NULL) is false, also under NOT; a CIDR is a numeric range of the
// 16-byte *_bin columns, never a text match; masked group keys print as
// flowlog prints them; groups tie in flowlog's order, so a top-N cut picks
// the same groups.
package sqlgen

import (
	"fmt"
	"strings"
)

// Dialect is an SQL engine's language.
type Dialect string

const (
	DuckDB Dialect = "duckdb"
	Trino  Dialect = "trino"
	Athena Dialect = "athena" // Athena engine v3: Trino's SQL, Hive's DDL
	Spark  Dialect = "spark"
)

// Dialects are the dialects, in the order help text lists them.
var Dialects = []Dialect{DuckDB, Trino, Athena, Spark}

// ParseDialect reads a dialect name, in any case.
func ParseDialect(s string) (Dialect, error) {
	for _, d := range Dialects {
		if strings.EqualFold(s, string(d)) {
			return d, nil
		}
	}
	names := make([]string, len(Dialects))
	for i, d := range Dialects {
		names[i] = string(d)
	}
	return "", fmt.Errorf("unknown SQL dialect %q: use %s", s, strings.Join(names, ", "))
}

// trinoLike reports whether the dialect's queries are Trino's SQL.
func (d Dialect) trinoLike() bool { return d == Trino || d == Athena }

// reserved are the column names that are keywords in one of the dialects
// (END in all of them; DATE and HOUR in Hive's DDL and Spark).
var reserved = map[string]bool{"end": true, "date": true, "hour": true}

// ident writes a column name, quoted when it is a keyword or not a plain
// lower-case name.
func (d Dialect) ident(name string) string {
	if !reserved[name] && plainName(name) {
		return name
	}
	return d.quoteIdent(name)
}

func (d Dialect) quoteIdent(name string) string {
	if d == Spark {
		return "`" + strings.ReplaceAll(name, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// str writes a string literal. Spark reads backslash escapes in literals
// and joins two adjacent ones, so a quote is escaped there by a backslash;
// the others double it.
func (d Dialect) str(s string) string {
	if d == Spark {
		r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
		return "'" + r.Replace(s) + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// bin writes a binary literal.
func (d Dialect) bin(b []byte) string {
	if d == DuckDB {
		return fmt.Sprintf("from_hex('%X')", b)
	}
	return fmt.Sprintf("X'%X'", b)
}

// hex is the upper-case hex text of a binary value.
func (d Dialect) hex(x string) string {
	if d.trinoLike() {
		return "to_hex(" + x + ")"
	}
	return "hex(" + x + ")"
}

// hexByte is the decimal text of two upper-case hex digits.
func (d Dialect) hexByte(x string) string {
	switch d {
	case DuckDB:
		return "CAST(CAST('0x' || " + x + " AS INTEGER) AS VARCHAR)"
	case Spark:
		return "conv(" + x + ", 16, 10)"
	}
	return "CAST(from_base(" + x + ", 16) AS varchar)"
}

// trimZeros is x without leading zeros, and "0" for zeros only.
func (d Dialect) trimZeros(x string) string {
	trim := "trim(LEADING '0' FROM " + x + ")"
	if d == DuckDB {
		trim = "ltrim(" + x + ", '0')"
	}
	return "coalesce(nullif(" + trim + ", ''), '0')"
}

// matches is a regular-expression search (RE2 and Java agree on the
// patterns this package writes).
func (d Dialect) matches(x, pattern string) string {
	switch d {
	case DuckDB:
		return "regexp_matches(" + x + ", " + d.str(pattern) + ")"
	case Spark:
		return x + " RLIKE " + d.str(pattern)
	}
	return "regexp_like(" + x + ", " + d.str(pattern) + ")"
}

// replaceTwo rewrites x, which pattern matches whole, as its two
// groups with sep between.
func (d Dialect) replaceTwo(x, pattern, sep string) string {
	ref1, ref2 := "$1", "$2"
	if d == DuckDB {
		ref1, ref2 = `\1`, `\2`
	}
	return "regexp_replace(" + x + ", " + d.str(pattern) + ", " + d.str(ref1+sep+ref2) + ")"
}

// varchar is the name of the text type in CAST.
func (d Dialect) varchar() string {
	if d == Spark {
		return "STRING"
	}
	return "VARCHAR"
}
