package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

var columns = []string{"name", "count", "delta", "at", "missing"}

func rows() [][]Value {
	return [][]Value{
		{Str("plain"), UintValue(18446744073709551615), IntValue(-3), UnixValue(1587983051), {}},
		{Bytes([]byte("quote \" comma , newline \n tab \t ctl \x01 bad \xff")), UintValue(0), IntValue(0), UnixValue(0), {}},
		{Str(" leading space"), UintValue(1), IntValue(1), UnixValue(1), {}},
	}
}

func write(t *testing.T, f Format, opts Options, rs [][]Value) string {
	t.Helper()
	var out bytes.Buffer
	w, err := NewWriter(f, &out, columns, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestJSONParsesBack(t *testing.T) {
	out := write(t, JSON, Options{}, rows())
	var got []map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(got) != 3 {
		t.Fatalf("%d objects, want 3", len(got))
	}
	if got[0]["count"].(json.Number).String() != "18446744073709551615" || got[0]["delta"].(json.Number).String() != "-3" {
		t.Errorf("numbers: %v", got[0])
	}
	if got[0]["at"].(json.Number).String() != "1587983051" || got[0]["missing"] != nil {
		t.Errorf("unix time must be a number and absent null: %v", got[0])
	}
	if got[1]["name"] != "quote \" comma , newline \n tab \t ctl \x01 bad \uFFFD" {
		t.Errorf("escaping: %q", got[1]["name"])
	}

	if out := write(t, JSON, Options{}, nil); out != "[]\n" {
		t.Errorf("empty array = %q", out)
	}
	out = write(t, JSON, Options{Object: true}, rows()[:1])
	var one map[string]any
	if err := json.Unmarshal([]byte(out), &one); err != nil || one["name"] != "plain" {
		t.Errorf("object: %v %q", err, out)
	}
}

func TestNDJSONOneObjectPerLine(t *testing.T) {
	out := write(t, NDJSON, Options{}, rows())
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), out)
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("line %q: %v", l, err)
		}
	}
	if out := write(t, NDJSON, Options{}, nil); out != "" {
		t.Errorf("empty ndjson = %q", out)
	}
}

func TestCSVParsesBack(t *testing.T) {
	out := write(t, CSV, Options{}, rows())
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, out)
	}
	if len(recs) != 4 || strings.Join(recs[0], ",") != strings.Join(columns, ",") {
		t.Fatalf("header/rows wrong: %q", recs)
	}
	if recs[1][3] != "1587983051" || recs[1][4] != "" {
		t.Errorf("unix time is a number in CSV and absent is empty: %q", recs[1])
	}
	if recs[2][0] != "quote \" comma , newline \n tab \t ctl \x01 bad \xff" || recs[3][0] != " leading space" {
		t.Errorf("quoting: %q", recs[2][0])
	}
	if out := write(t, CSV, Options{}, nil); out != "name,count,delta,at,missing\n" {
		t.Errorf("empty csv = %q", out)
	}
}

func TestTable(t *testing.T) {
	out := write(t, Table, Options{}, rows()[:1])
	want := "NAME   COUNT                 DELTA  AT                    MISSING\n" +
		"plain  18446744073709551615  -3     2020-04-27T10:24:11Z  -\n"
	if out != want {
		t.Errorf("table:\n%s\nwant:\n%s", out, want)
	}
	if out := write(t, Table, Options{}, nil); out != "" {
		t.Errorf("empty table = %q", out)
	}
	// Past TableRows a new table starts, so memory stays bounded.
	out = write(t, Table, Options{TableRows: 2}, [][]Value{rows()[0], rows()[0], rows()[0]})
	if strings.Count(out, "NAME") != 2 {
		t.Errorf("want two tables:\n%s", out)
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat(" JSON ", Formats...); err != nil || f != JSON {
		t.Errorf("ParseFormat(JSON) = %v, %v", f, err)
	}
	if _, err := ParseFormat("raw", Formats...); err == nil || !strings.Contains(err.Error(), "use one of table, json, ndjson, csv") {
		t.Errorf("ParseFormat(raw) error = %v", err)
	}
}
