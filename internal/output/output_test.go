package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
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

func TestTableForPeople(t *testing.T) {
	cols := []string{"time", "flows", "bytes", "rate", "port"}
	row := []Value{UnixValue(1795510800), CountValue(12345), SizeValue(1_800_000_000), RateValue(1234.4), UintValue(44321)}
	small := []Value{UnixValue(0), CountValue(999), SizeValue(999), RateValue(0), UintValue(22)}
	render := func(f Format, opts Options) string {
		var out bytes.Buffer
		w, err := NewWriter(f, &out, cols, opts)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(row)
		w.Write(small)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    Format
		opts Options
		want string
	}{
		{"people", Table, Options{People: true},
			"TIME                  FLOWS   BYTES   RATE      PORT\n" +
				"2026-11-24T09:00:00Z  12.3 k  1.8 GB  1.2 kB/s  44321\n" +
				"1970-01-01T00:00:00Z  999     999 B   0 B/s     22\n"},
		{"people in a zone", Table, Options{People: true, Location: berlin},
			"TIME                       FLOWS   BYTES   RATE      PORT\n" +
				"2026-11-24T10:00:00+01:00  12.3 k  1.8 GB  1.2 kB/s  44321\n" +
				"1970-01-01T01:00:00+01:00  999     999 B   0 B/s     22\n"},
		{"table for a pipe", Table, Options{},
			"TIME                  FLOWS  BYTES       RATE    PORT\n" +
				"2026-11-24T09:00:00Z  12345  1800000000  1234.4  44321\n" +
				"1970-01-01T00:00:00Z  999    999         0       22\n"},
		// People and a zone change tables only: programs get exact numbers.
		{"csv", CSV, Options{People: true, Location: berlin},
			"time,flows,bytes,rate,port\n1795510800,12345,1800000000,1234.4,44321\n0,999,999,0,22\n"},
		{"ndjson", NDJSON, Options{People: true, Location: berlin},
			`{"time":1795510800,"flows":12345,"bytes":1800000000,"rate":1234.4,"port":44321}` + "\n" +
				`{"time":0,"flows":999,"bytes":999,"rate":0,"port":22}` + "\n"},
	}
	for _, tt := range tests {
		if got := render(tt.f, tt.opts); got != tt.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.name, got, tt.want)
		}
	}
}

func TestBar(t *testing.T) {
	tests := []struct {
		v, most uint64
		want    string
	}{
		{0, 100, ""},
		{100, 100, "████"},
		{50, 100, "██"},
		{1, 1000, "▏"},  // a sliver, not nothing
		{40, 100, "█▋"}, // 12.8 eighths round to 13
		{7, 0, ""},
	}
	for _, tt := range tests {
		if got := Bar(tt.v, tt.most, 4); got != tt.want {
			t.Errorf("Bar(%d, %d, 4) = %q, want %q", tt.v, tt.most, got, tt.want)
		}
	}
}
