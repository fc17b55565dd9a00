package sqlgen

import (
	"fmt"
	"strings"
)

// TableName is the name the printed table definitions give the exported
// table, and the table 'flowlog query --sql' reads unless told otherwise.
const TableName = "flowlogs"

// colType is a Parquet column's type as the export writes it.
type colType uint8

const (
	int32Col colType = iota
	int64Col
	stringCol
	binaryCol
)

type column struct {
	name string
	typ  colType
	bin  bool // a *_bin address column, not a record field
}

// dataColumns are the exported table's data columns, in file order (the
// layout contract in docs/beyond-one-machine.md).
var dataColumns = []column{
	{name: "version", typ: int32Col},
	{name: "account_id", typ: stringCol},
	{name: "interface_id", typ: stringCol},
	{name: "srcaddr", typ: stringCol},
	{name: "dstaddr", typ: stringCol},
	{name: "srcaddr_bin", typ: binaryCol, bin: true},
	{name: "dstaddr_bin", typ: binaryCol, bin: true},
	{name: "srcport", typ: int32Col},
	{name: "dstport", typ: int32Col},
	{name: "protocol", typ: int32Col},
	{name: "packets", typ: int64Col},
	{name: "bytes", typ: int64Col},
	{name: "start", typ: int64Col},
	{name: "end", typ: int64Col},
	{name: "action", typ: stringCol},
	{name: "log_status", typ: stringCol},
}

// partitionColumns are the Hive partition keys, all text:
// flowlog=NAME/date=YYYY-MM-DD/hour=HH.
var partitionColumns = []string{"flowlog", "date", "hour"}

// typeName is the SQL type of a column in a dialect's DDL.
func (d Dialect) typeName(t colType) string {
	names := map[colType][2]string{ // Trino, Hive (Athena and Spark)
		int32Col:  {"integer", "INT"},
		int64Col:  {"bigint", "BIGINT"},
		stringCol: {"varchar", "STRING"},
		binaryCol: {"varbinary", "BINARY"},
	}[t]
	if d == Trino {
		return names[0]
	}
	return names[1]
}

// ReadParquet is DuckDB's table function over the export at location (a
// folder or s3://bucket/prefix): every Parquet file below it, with the
// partition keys as text columns. A location ending in .parquet is one
// file, or a pattern of files, of the export.
func ReadParquet(location string) string {
	glob := location
	if !strings.HasSuffix(location, ".parquet") {
		glob = strings.TrimSuffix(location, "/") + "/**/*.parquet"
	}
	return "read_parquet(" + DuckDB.str(glob) + ", hive_partitioning = true, " +
		"hive_types = {'flowlog': VARCHAR, 'date': VARCHAR, 'hour': VARCHAR})"
}

// DDL returns the statements that make the export at location a table
// named TableName: a DuckDB view over read_parquet, a Trino Hive-connector
// table and a Spark table (each followed by the statement that finds the
// partitions already there), or an Athena table with partition projection,
// which needs no partition maintenance. Athena reads s3:// locations only.
func DDL(dialect, location string) (string, error) {
	d, err := ParseDialect(dialect)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(location) == "" {
		return "", fmt.Errorf("no location: name the export's folder or s3://bucket/prefix")
	}
	dir := strings.TrimSuffix(location, "/") + "/"
	var b strings.Builder
	switch d {
	case DuckDB:
		fmt.Fprintf(&b, "CREATE OR REPLACE VIEW %s AS\nSELECT * FROM %s;\n", TableName, ReadParquet(location))
	case Trino:
		fmt.Fprintf(&b, "CREATE TABLE %s (\n", TableName)
		d.writeColumns(&b, true)
		fmt.Fprintf(&b, ")\nWITH (\n  external_location = %s,\n  format = 'PARQUET',\n  partitioned_by = ARRAY['flowlog', 'date', 'hour']\n);\n", d.str(dir))
		b.WriteString("-- 'default': the schema the table is in\n")
		fmt.Fprintf(&b, "CALL system.sync_partition_metadata(schema_name => 'default', table_name => %s, mode => 'FULL');\n", d.str(TableName))
	case Athena:
		if !strings.HasPrefix(location, "s3://") {
			return "", fmt.Errorf("athena reads tables in S3: the location must be s3://bucket/prefix, not %q", location)
		}
		fmt.Fprintf(&b, "CREATE EXTERNAL TABLE %s (\n", TableName)
		d.writeColumns(&b, false)
		b.WriteString(")\nPARTITIONED BY (flowlog STRING, `date` STRING, `hour` STRING)\nSTORED AS PARQUET\n")
		fmt.Fprintf(&b, "LOCATION %s\nTBLPROPERTIES (\n", d.str(dir))
		props := [][2]string{
			{"projection.enabled", "true"},
			{"projection.flowlog.type", "injected"},
			{"projection.date.type", "date"},
			{"projection.date.format", "yyyy-MM-dd"},
			{"projection.date.range", "2020-01-01,NOW"},
			{"projection.date.interval", "1"},
			{"projection.date.interval.unit", "DAYS"},
			{"projection.hour.type", "integer"},
			{"projection.hour.range", "0,23"},
			{"projection.hour.digits", "2"},
			{"storage.location.template", dir + "flowlog=${flowlog}/date=${date}/hour=${hour}/"},
		}
		for i, p := range props {
			sep := ","
			if i == len(props)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "  %s = %s%s\n", d.str(p[0]), d.str(p[1]), sep)
		}
		b.WriteString(");\n")
	case Spark:
		fmt.Fprintf(&b, "CREATE TABLE %s (\n", TableName)
		d.writeColumns(&b, true)
		fmt.Fprintf(&b, ")\nUSING PARQUET\nPARTITIONED BY (flowlog, `date`, `hour`)\nLOCATION %s;\n", d.str(dir))
		fmt.Fprintf(&b, "MSCK REPAIR TABLE %s;\n", TableName)
	}
	return b.String(), nil
}

// writeColumns writes the column list of a CREATE TABLE, with the
// partition columns last when partitions is set (Trino and Spark name them
// among the columns, Hive's DDL apart).
func (d Dialect) writeColumns(b *strings.Builder, partitions bool) {
	var lines []string
	for _, c := range dataColumns {
		lines = append(lines, "  "+d.ddlIdent(c.name)+" "+d.typeName(c.typ))
	}
	if partitions {
		for _, p := range partitionColumns {
			lines = append(lines, "  "+d.ddlIdent(p)+" "+d.typeName(stringCol))
		}
	}
	b.WriteString(strings.Join(lines, ",\n"))
	b.WriteString("\n")
}

// ddlIdent quotes a column name in DDL: Athena's DDL is Hive's, which
// quotes with backticks although its queries use double quotes.
func (d Dialect) ddlIdent(name string) string {
	if d == Athena {
		return Spark.ident(name)
	}
	return d.ident(name)
}
