package query

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/record"
)

// formatInputs are objects of three formats read in one query: AWS custom
// formats with headers naming different fields in different orders, and a
// version-2 object without a header.
func formatInputs(t *testing.T) []Input {
	a := "version vpc-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags\n" +
		"5 vpc-a 10.0.0.1 10.0.0.9 40000 443 6 10 1000 1700000000 1700000060 ACCEPT OK 19\n" +
		"5 vpc-a 10.0.0.2 10.0.0.9 40001 22 6 1 40 1700000000 1700000001 REJECT OK 2\n"
	b := "pkt-srcaddr bytes action vpc-id srcaddr log-status packets start end flow-direction\n" +
		"198.51.100.7 500 ACCEPT vpc-b 10.1.0.1 OK 5 1700000100 1700000160 ingress\n" +
		"198.51.100.8 700 REJECT vpc-b 10.1.0.2 OK 7 1700000100 1700000160 ingress\n" +
		"- - - vpc-b - NODATA - 1700000100 1700000160 -\n"
	v2 := "2 1 eni-1 192.0.2.1 10.0.0.9 1 2 6 3 300 1700000200 1700000260 ACCEPT OK\n"
	return []Input{memInput("a.log.gz", gz(t, a)), memInput("b.log.gz", gz(t, b)), memInput("v2.log.gz", gz(t, v2))}
}

func TestAggregateAcrossFormats(t *testing.T) {
	q := &Query{Inputs: formatInputs(t), Workers: 2}
	for _, tt := range []struct {
		keys string
		want string // key=flows/bytes, largest flows first, ties in key order
	}{
		{"vpc_id", "vpc-b=3/1200 vpc-a=2/1040 -=1/300"},
		{"pkt-srcaddr/24", "-=4/1340 198.51.100.0/24=2/1200"},
		{"vpc-id,tcp-flags", "vpc-b,-=3/1200 -,-=1/300 vpc-a,2=1/40 vpc-a,19=1/1000"},
		{"flow_direction,action", "ingress,ACCEPT=1/500 ingress,REJECT=1/700"},
	} {
		keys, err := ParseGroupKeys(tt.keys)
		if err != nil {
			t.Fatal(err)
		}
		groups, stats, err := q.Aggregate(context.Background(), keys, SortFlows, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, g := range groups {
			var key []string
			for _, kv := range g.Key {
				key = append(key, kv.String())
			}
			got = append(got, fmt.Sprintf("%s=%d/%d", strings.Join(key, ","), g.Flows, g.Bytes))
		}
		if tt.keys == "flow_direction,action" {
			got = got[:0]
			for _, g := range groups {
				if g.Key[0].Present {
					got = append(got, fmt.Sprintf("%s,%s=%d/%d", g.Key[0], g.Key[1], g.Flows, g.Bytes))
				}
			}
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("group by %s: %s, want %s", tt.keys, strings.Join(got, " "), tt.want)
		}
		if stats.Records != 6 {
			t.Errorf("records = %d, want 6", stats.Records)
		}
	}
}

func TestFilterAndPrintAcrossFormats(t *testing.T) {
	p, err := Spec{Where: "vpc-id vpc-b and pkt-src net 198.51.100.0/24 and tcp-flags != 1 or tcp-flags = 2", Fields: "vpc_id,pkt_srcaddr,srcaddr,tcp_flags,start,action"}.Plan()
	if err != nil {
		t.Fatal(err)
	}
	q := &Query{Inputs: formatInputs(t), Filter: p.Filter, Workers: 3}
	var need record.FieldSet
	for _, f := range p.Fields {
		need = need.With(f)
	}
	var out strings.Builder
	stream, err := output.NewStream(output.CSV, &out, p.Columns(), output.Options{})
	if err != nil {
		t.Fatal(err)
	}
	newEncode := func() Encode {
		enc := stream.Encoder()
		row := make([]output.Value, len(p.Fields))
		scratch := make([][]byte, len(p.Fields))
		return func(dst []byte, r *record.Record) []byte {
			p.RecordRow(row, r, scratch)
			return enc.Append(dst, row)
		}
	}
	if _, err := q.Print(context.Background(), need, newEncode, stream.Write, 0); err != nil {
		t.Fatal(err)
	}
	stream.Close()
	// tcp-flags != 1 is false where tcp_flags is absent: object b's lines
	// match by the last alternative only if they had tcp-flags = 2.
	want := "vpc_id,pkt_srcaddr,srcaddr,tcp_flags,start,action\n" +
		"vpc-a,,10.0.0.2,2,1700000000,REJECT\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}

	c, _ := expr.Compile("vpc-id vpc-b and pkt-src net 198.51.100.0/24")
	q.Filter = c
	if n, _, err := q.Count(context.Background()); err != nil || n != 2 {
		t.Errorf("count = %d, %v; want 2", n, err)
	}
}

func TestParseFieldsAll(t *testing.T) {
	all, err := ParseFields("all")
	if err != nil || len(all) != record.NumKnownFields || all[len(all)-1] != record.RejectReason {
		t.Fatalf("all: %v, %v", all, err)
	}
	def, _ := ParseFields("")
	if len(def) != record.NumFields {
		t.Errorf("default: %d fields, want the %d of version 2", len(def), record.NumFields)
	}
	got, err := ParseFields("VPC-ID, pkt_src, ecs-task-arn")
	if err != nil || fmt.Sprint(got) != "[vpc_id pkt_srcaddr ecs_task_arn]" {
		t.Errorf("custom fields: %v, %v", got, err)
	}
	if _, err := ParseFields("vpc-idd"); err == nil || !strings.Contains(err.Error(), `unknown field "vpc-idd": use all or version, account_id`) {
		t.Errorf("unknown field: %v", err)
	}
}
