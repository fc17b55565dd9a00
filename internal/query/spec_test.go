package query

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/record"
)

func TestSpecPlan(t *testing.T) {
	since := time.Unix(1600000000, 0)
	tests := []struct {
		name    string
		spec    Spec
		filter  string // a record line the filter must keep, "" for no filter
		drop    string // a record line the filter must drop
		wantErr string
	}{
		{name: "nothing filters", spec: Spec{}},
		{
			name:   "flags and --where combine with and",
			spec:   Spec{Actions: []string{"reject"}, DstPorts: []string{"22,3389"}, Where: "bytes > 100"},
			filter: "2 1 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 500 1600000000 1600000060 REJECT OK",
			drop:   "2 1 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 500 1600000000 1600000060 ACCEPT OK",
		},
		{
			name:   "a time window keeps overlapping records",
			spec:   Spec{Since: since},
			filter: "2 1 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 500 1599999990 1600000000 ACCEPT OK",
			drop:   "2 1 eni-1 10.0.0.1 10.0.0.2 40000 22 6 1 500 1599999000 1599999999 ACCEPT OK",
		},
		{name: "bad CIDR names the flag", spec: Spec{Srcs: []string{"10.0.0.0/33"}}, wantErr: `--src "10.0.0.0/33": not a CIDR prefix`},
		{name: "bad action", spec: Spec{Actions: []string{"drop"}}, wantErr: `--action "drop": use one of`},
		{name: "top without group-by", spec: Spec{Top: 3}, wantErr: "--top and --sort need --group-by"},
		{name: "count and group-by", spec: Spec{Count: true, GroupBy: "srcaddr"}, wantErr: "cannot be combined"},
		{name: "bad sort", spec: Spec{GroupBy: "srcaddr", Sort: "size"}, wantErr: `--sort "size"`},
		{name: "bad field", spec: Spec{Fields: "srcaddr,nope"}, wantErr: `--fields: unknown field "nope"`},
		{name: "bad where", spec: Spec{Where: "bytes >"}, wantErr: "--where: column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.spec.Plan()
			if tt.wantErr != "" {
				var se *SpecError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &se) {
					t.Fatalf("error %v, want a SpecError with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (p.Filter == nil) != (tt.filter == "") {
				t.Fatalf("filter %v, want one: %v", p.Filter, tt.filter != "")
			}
			for line, keep := range map[string]bool{tt.filter: true, tt.drop: false} {
				if line == "" {
					continue
				}
				var r record.Record
				if err := record.Parse([]byte(line), record.AllFields, &r); err != nil {
					t.Fatal(err)
				}
				if got := p.Filter.Match(&r); got != keep {
					t.Errorf("Match(%q) = %v, want %v", line, got, keep)
				}
			}
		})
	}
}

func TestSpecPlanTopTakesTheSmallerLimit(t *testing.T) {
	p, err := Spec{GroupBy: "dstport", Top: 10, Limit: 3}.Plan()
	if err != nil || p.Top != 3 || !p.Grouped() {
		t.Fatalf("plan %+v, %v: want top 3", p, err)
	}
	if got := p.Columns(); strings.Join(got, ",") != "dstport,flows,packets,bytes,first_start,last_end" {
		t.Errorf("columns %v", got)
	}
}
