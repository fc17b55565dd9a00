package sqlgen

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/flowlog/flowlog/internal/parquetio"
	"github.com/flowlog/flowlog/internal/record"
)

// writtenColumns writes a file the way flowlog export does and reads back
// the columns it holds, with the type each one's Parquet type maps to.
func writtenColumns(t *testing.T) []column {
	t.Helper()
	var r record.Record
	line := "2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 172.17.1.100 2001:db8::1 4000 443 6 10 840 1795564800 1795564860 ACCEPT OK"
	if err := record.Parse([]byte(line), record.AllFields, &r); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := parquetio.WriteFile(&buf, []parquetio.Row{parquetio.RowOf(&r, parquetio.Interner{})}, parquetio.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var cols []column
	for _, field := range f.Schema().Fields() {
		if !field.Leaf() {
			t.Fatalf("column %s is a group; the layout is flat", field.Name())
		}
		if !field.Optional() {
			t.Errorf("column %s is required; the layout writes NULL for '-'", field.Name())
		}
		var typ colType
		lt := ""
		if l := field.Type().LogicalType(); l != nil {
			lt = l.String()
		}
		switch kind := field.Type().Kind(); {
		case kind == parquet.Int32 && (lt == "" || lt == "INT(32,true)"):
			typ = int32Col
		case kind == parquet.Int64 && (lt == "" || lt == "INT(64,true)"):
			typ = int64Col
		case kind == parquet.ByteArray && lt == "STRING":
			typ = stringCol
		case kind == parquet.ByteArray && lt == "":
			typ = binaryCol
		default:
			t.Fatalf("column %s: Parquet type %v (logical %v) has no SQL type in sqlgen", field.Name(), kind, lt)
		}
		cols = append(cols, column{name: field.Name(), typ: typ})
	}
	return cols
}

func (c column) String() string {
	return fmt.Sprintf("%s %s", c.name, Trino.typeName(c.typ))
}

func columnStrings(cols []column) []string {
	var s []string
	for _, c := range cols {
		s = append(s, c.String())
	}
	return s
}

// TestDDLMatchesParquet holds the table definitions sqlgen prints to the
// files parquetio writes: the same columns, in the same order, of the same
// types. A column added, renamed or retyped on one side fails here.
func TestDDLMatchesParquet(t *testing.T) {
	file := columnStrings(writtenColumns(t))
	if got := columnStrings(dataColumns); !slices.Equal(got, file) {
		t.Fatalf("sqlgen's dataColumns:\n  %s\nthe columns parquetio writes:\n  %s", strings.Join(got, "\n  "), strings.Join(file, "\n  "))
	}

	// The DDL of each dialect, read back: the file's columns, then (but
	// for Athena, which names them apart) the partition folders' keys.
	partKeys := partitionKeys(t)
	for _, d := range []Dialect{Trino, Athena, Spark} {
		ddl, err := DDL(string(d), "s3://logs/flowlog-export")
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(file)
		if d != Athena {
			for _, k := range partKeys {
				want = append(want, column{name: k, typ: stringCol}.String())
			}
		}
		if got := columnStrings(ddlColumns(t, d, ddl)); !slices.Equal(got, want) {
			t.Errorf("%s DDL declares:\n  %s\nwant:\n  %s", d, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
	if !slices.Equal(partitionColumns, partKeys) {
		t.Errorf("partition columns %q, but the export's folders are %q", partitionColumns, partKeys)
	}
	ddl, _ := DDL(string(DuckDB), "s3://logs/flowlog-export")
	for _, k := range partKeys {
		if !strings.Contains(ddl, "'"+k+"': VARCHAR") {
			t.Errorf("DuckDB's hive_types do not type partition %q as text:\n%s", k, ddl)
		}
	}
}

// partitionKeys are the keys of the folders the export writes a record
// into: flowlog, date, hour.
func partitionKeys(t *testing.T) []string {
	var keys []string
	for _, seg := range strings.Split(parquetio.PartitionOf("web01", 1795564800).Dir(), "/") {
		k, _, ok := strings.Cut(seg, "=")
		if !ok {
			t.Fatalf("partition folder %q is not key=value", seg)
		}
		keys = append(keys, k)
	}
	return keys
}

// ddlColumns reads the column list of a CREATE TABLE: the lines between
// its "(" and the first ")", each "  NAME TYPE[,]".
func ddlColumns(t *testing.T, d Dialect, ddl string) []column {
	t.Helper()
	types := map[string]colType{}
	for _, typ := range []colType{int32Col, int64Col, stringCol, binaryCol} {
		types[d.typeName(typ)] = typ
	}
	lines := strings.Split(ddl, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "CREATE") && strings.HasSuffix(l, "(") })
	if start < 0 {
		t.Fatalf("%s DDL has no CREATE TABLE (:\n%s", d, ddl)
	}
	var cols []column
	for _, l := range lines[start+1:] {
		if strings.HasPrefix(l, ")") {
			return cols
		}
		name, typName, ok := strings.Cut(strings.TrimSuffix(strings.TrimSpace(l), ","), " ")
		typ, known := types[typName]
		if !ok || !known {
			t.Fatalf("%s DDL column line %q: not NAME TYPE", d, l)
		}
		cols = append(cols, column{name: strings.Trim(name, "`\""), typ: typ})
	}
	t.Fatalf("%s DDL: no ) after the columns", d)
	return nil
}
