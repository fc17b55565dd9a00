package record

import (
	"errors"
	"strings"
	"testing"
)

// customInput is an AWS VPC flow log in a custom format: a header naming
// fields of versions 2 to 8 in an order of the user's choosing, then
// records, one with "-" for the fields that do not apply (NODATA).
const customInput = "vpc-id srcaddr dstaddr action tcp-flags pkt-srcaddr bytes start end flow-direction type reject-reason log-status version\n" +
	"vpc-0a1b2c3d 10.0.1.5 203.0.113.7 ACCEPT 19 10.0.1.5 4800 1700000000 1700000060 egress IPv4 - OK 8\n" +
	"vpc-0a1b2c3d 203.0.113.9 10.0.1.5 REJECT 2 198.51.100.1 40 1700000000 1700000010 ingress IPv4 BPA OK 8\n" +
	"vpc-0a1b2c3d - - - - - - 1700000000 1700000060 - - - NODATA 8\n" +
	"vpc-0a1b2c3d 2001:db8::1 2001:db8::2 ACCEPT 0 2001:db8::1 99 1700000000 1700000001 ingress IPv6 - OK 8\n"

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		fields  []Field // nil: the version-2 layout
		wantErr string
	}{
		{"version 2, AWS spelling", "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status", nil, ""},
		{"version 2, flowlog spelling and case", "# VERSION account_id Interface_ID srcaddr dstaddr srcport dstport protocol packets bytes start end action log_status", nil, ""},
		{"shuffled", "srcaddr vpc-id version", []Field{SrcAddr, VPCID, Version}, ""},
		{"every version", "reject-reason ecs-task-id traffic-path pkt-dst-aws-service az-id pkt-dstaddr tcp-flags instance-id",
			[]Field{RejectReason, ECSTaskID, TrafficPath, PktDstAWSService, AZID, PktDstAddr, TCPFlags, InstanceID}, ""},
		{"tabs", "vpc-id\tsrcaddr", []Field{VPCID, SrcAddr}, ""},
		{"v2 fields in another order", "account-id version interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
			[]Field{AccountID, Version, InterfaceID, SrcAddr, DstAddr, SrcPort, DstPort, Protocol, Packets, Bytes, Start, End, ActionField, LogStatus}, ""},
		{"unknown field", "version vpc-id bogus-field srcaddr", nil, `header names unknown field "bogus-field" (field 3)`},
		{"alias is not a header name", "version src dst", nil, `unknown field "src"`},
		{"twice", "srcaddr vpc-id srcaddr", nil, `header names field "srcaddr" twice (fields 1 and 3)`},
		{"twice in two spellings", "vpc-id VPC_ID", nil, `twice`},
		{"empty", "#", nil, "empty header line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ParseHeader([]byte(tt.header))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseHeader(%q) = %v, want an error containing %q", tt.header, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.fields == nil {
				if l != nil {
					t.Fatalf("ParseHeader(%q) = %v, want the version-2 layout (nil)", tt.header, l)
				}
				return
			}
			if l == nil || strings.Join(fieldStrings(l.Fields()), " ") != strings.Join(fieldStrings(tt.fields), " ") {
				t.Fatalf("ParseHeader(%q) = %v, want %v", tt.header, l, tt.fields)
			}
		})
	}
}

func fieldStrings(fs []Field) []string {
	var s []string
	for _, f := range fs {
		s = append(s, f.String())
	}
	return s
}

func TestIsHeader(t *testing.T) {
	for line, want := range map[string]bool{
		"version account-id interface-id": true,
		"# anything":                      true,
		"  vpc-id srcaddr":                true,
		"bogus-field vpc-id srcaddr":      true, // names only, one known: a header with a mistake
		"2 123 eni-1 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK": false,
		"vpc-0a1b subnet-9f8e":                                false, // ids of a text-only custom format
		"vpc-0a1b 10.0.0.1 vpc-id":                            false, // a value that is no name
		"- - srcaddr":                                         false,
		"":                                                    false,
	} {
		if got := isHeader([]byte(line)); got != want {
			t.Errorf("isHeader(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestLayoutParse(t *testing.T) {
	l, err := ParseHeader([]byte(strings.SplitN(customInput, "\n", 2)[0]))
	if err != nil || l == nil {
		t.Fatalf("ParseHeader: %v, %v", l, err)
	}
	lines := strings.Split(strings.TrimSpace(customInput), "\n")[1:]

	var r Record
	if err := l.Parse([]byte(lines[1]), KnownFields, &r); err != nil {
		t.Fatal(err)
	}
	if got := string(r.Text(VPCID)); got != "vpc-0a1b2c3d" {
		t.Errorf("vpc_id = %q", got)
	}
	if a, ok := r.Addr(PktSrcAddr); !ok || a.String() != "198.51.100.1" {
		t.Errorf("pkt_srcaddr = %v, %v", a, ok)
	}
	if r.SrcAddr.String() != "203.0.113.9" || r.Action != Reject || r.TCPFlags != 2 || r.Bytes != 40 || r.Start != 1700000000 {
		t.Errorf("parsed %+v", r)
	}
	if got := string(r.Text(RejectReason)); got != "BPA" {
		t.Errorf("reject_reason = %q", got)
	}
	if got := string(r.Text(FlowDirection)); got != "ingress" {
		t.Errorf("flow_direction = %q", got)
	}
	// Fields the header does not name are absent.
	for _, f := range []Field{AccountID, InterfaceID, SrcPort, DstPort, Protocol, Packets, SubnetID, Region, PktDstAddr, TrafficPath, ECSClusterName} {
		if r.Has(f) {
			t.Errorf("%s present, though the header does not name it", f)
		}
	}

	// "-" is absent, for the fields of every kind.
	if err := l.Parse([]byte(lines[2]), KnownFields, &r); err != nil {
		t.Fatal(err)
	}
	for _, f := range []Field{SrcAddr, PktSrcAddr, ActionField, TCPFlags, Bytes, FlowDirection, RejectReason} {
		if r.Has(f) {
			t.Errorf("NODATA record: %s present", f)
		}
	}
	if r.Status != NoData || !r.Has(VPCID) {
		t.Errorf("NODATA record: %+v", r)
	}

	// Only what is needed is converted: a bad value elsewhere passes.
	bad := strings.Replace(lines[0], " 19 ", " x19 ", 1)
	if err := l.Parse([]byte(bad), FieldSet(0).With(ActionField), &r); err != nil || r.Action != Accept {
		t.Errorf("action only: %v, %+v", err, r)
	}
	var se *SyntaxError
	if err := l.Parse([]byte(bad), KnownFields, &r); !errors.As(err, &se) || se.Field != TCPFlags {
		t.Errorf("bad tcp-flags: %v", err)
	}

	for _, tt := range []struct{ line, want string }{
		{"vpc-1 1.2.3.4", "expected the 14 fields the header names, found 2"},
		{lines[0] + " extra", "expected the 14 fields the header names, found 15"},
		{strings.Replace(lines[0], "10.0.1.5", "10.0.1.500", 1), `invalid srcaddr "10.0.1.500"`},
		{strings.Replace(lines[0], "vpc-0a1b2c3d", "vpc\x01", 1), `invalid vpc_id`},
		{strings.Replace(lines[0], " 19 ", " 4294967296 ", 1), `invalid tcp_flags "4294967296"`},
	} {
		if err := l.Parse([]byte(tt.line), KnownFields, &r); err == nil || err.Error() != tt.want && !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want %q", tt.line, err, tt.want)
		}
	}
}

func TestScannerCustomFormats(t *testing.T) {
	v2 := strings.TrimSpace(productExamples) + "\n"
	tests := []struct {
		name    string
		text    string
		need    FieldSet
		records int
		check   func(t *testing.T, recs []string)
		wantErr string
		header  bool // the error is the header's: not skipped
	}{
		{name: "custom format", text: customInput, need: KnownFields, records: 4, check: func(t *testing.T, recs []string) {
			if !strings.HasPrefix(recs[1], "8 - - 203.0.113.9 10.0.1.5 - - - - 40 1700000000 1700000010 REJECT OK vpc-0a1b2c3d - - 2 IPv4 198.51.100.1 - ") {
				t.Errorf("record 2: %q", recs[1])
			}
		}},
		{name: "no header: version 2", text: v2, need: KnownFields, records: 5},
		{name: "version-2 header", text: "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n" + v2, need: AllFields, records: 5},
		{name: "joined objects, each with its header", text: customInput + "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n" + v2 + customInput, need: KnownFields, records: 13},
		{name: "header-less file of another shape", text: "vpc-0a1b2c3d 10.0.1.5 203.0.113.7 ACCEPT\n", need: AllFields,
			wantErr: "other.log:1: expected 14 fields, found 4: a text without a header line naming its fields must hold version-2 records"},
		{name: "unknown field", text: "version vpc-id bogus srcaddr\n2 vpc-1 x 1.2.3.4\n", need: AllFields,
			wantErr: `other.log:1: header names unknown field "bogus" (field 3)`, header: true},
		{name: "unknown field in a later header", text: customInput + "srcaddr fancy-new-field\n", need: 0,
			wantErr: `other.log:6: header names unknown field "fancy-new-field" (field 2)`, header: true},
		{name: "a comment past the first line is a malformed line", text: v2 + "# a note\n", need: 0,
			wantErr: "other.log:6: expected 14 fields, found 3"},
		{name: "short record", text: customInput + "vpc-1 1.2.3.4\n", need: 0,
			wantErr: "other.log:6: expected the 14 fields the header names, found 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, skip := range []bool{false, true} {
				s := NewScanner(nil, "other.log", tt.need)
				s.SkipInvalid(skip)
				var recs []string
				err := s.Each(strings.NewReader(tt.text), func(r *Record) bool {
					recs = append(recs, knownText(r))
					return true
				})
				if tt.wantErr != "" {
					if skip && !tt.header {
						// Skipped and counted instead.
						if err != nil || s.Skipped() != 1 {
							t.Errorf("skip: %v, %d skipped", err, s.Skipped())
						}
						continue
					}
					if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
						t.Fatalf("skip %v: error %v, want %q", skip, err, tt.wantErr)
					}
					continue
				}
				if err != nil || len(recs) != tt.records {
					t.Fatalf("%d records, %v; want %d", len(recs), err, tt.records)
				}
				if tt.check != nil {
					tt.check(t, recs)
				}
			}
		})
	}
}

// FuzzHeader holds the header parser to its rules: a header it accepts
// names known fields, each once, and prints back (in AWS's spelling) to a
// header that parses to the same layout; one it refuses has a reason.
func FuzzHeader(f *testing.F) {
	f.Add([]byte(strings.SplitN(customInput, "\n", 2)[0]))
	f.Add([]byte("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"))
	f.Add([]byte("# vpc_id VPC-ID"))
	f.Add([]byte("ecs-task-arn\tregion  type"))
	f.Fuzz(func(t *testing.T, line []byte) {
		l, err := ParseHeader(line)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if l == nil {
			return // the version-2 layout
		}
		seen := FieldSet(0)
		for _, f := range l.Fields() {
			if int(f) >= NumKnownFields || seen.Has(f) {
				t.Fatalf("%q: layout %v has an unknown or repeated field", line, l.Fields())
			}
			seen = seen.With(f)
		}
		again, err := ParseHeader([]byte(l.String()))
		if err != nil || again == nil || again.String() != l.String() {
			t.Fatalf("%q: round trip through %q gave %v, %v", line, l.String(), again, err)
		}
		if !isHeader([]byte(l.String())) {
			t.Fatalf("%q: its own header %q is not recognised as one", line, l.String())
		}
	})
}

// FuzzLayoutParse parses lines with a custom layout: a line it accepts
// prints back, field by field in the layout's order, to a line that parses
// to the same record, and what is needed of a line does not change
// whether it is accepted.
func FuzzLayoutParse(f *testing.F) {
	header := strings.SplitN(customInput, "\n", 2)[0]
	for _, line := range strings.Split(strings.TrimSpace(customInput), "\n")[1:] {
		f.Add(header, []byte(line))
	}
	f.Add("tcp-flags traffic-path pkt-dstaddr region", []byte("3 1 ::ffff:1.2.3.4 eu-west-1"))
	f.Fuzz(func(t *testing.T, header string, line []byte) {
		l, err := ParseHeader([]byte(header))
		if err != nil || l == nil {
			return
		}
		var r Record
		if err := l.Parse(line, KnownFields, &r); err != nil {
			for _, need := range fuzzNeeds {
				var some Record
				if e := l.Parse(line, need, &some); e != nil && !strings.Contains(e.Error(), "fields") && !strings.Contains(err.Error(), "invalid") {
					t.Fatalf("need %b: %v, though the full parse says %v", need, e, err)
				}
			}
			return
		}
		for _, need := range fuzzNeeds {
			var some Record
			if err := l.Parse(line, need, &some); err != nil {
				t.Fatalf("need %b: %q refused (%v) though a full parse accepts it", need, line, err)
			}
			for _, f := range l.Fields() {
				if need.Has(f) && string(AppendField(nil, &some, f)) != string(AppendField(nil, &r, f)) {
					t.Fatalf("need %b: %s differs", need, f)
				}
			}
		}
		var b []byte
		for i, f := range l.Fields() {
			if i > 0 {
				b = append(b, ' ')
			}
			b = AppendField(b, &r, f)
		}
		var again Record
		if err := l.Parse(b, KnownFields, &again); err != nil {
			t.Fatalf("re-parse of %q: %v", b, err)
		}
		if knownText(&again) != knownText(&r) {
			t.Fatalf("round trip changed %q:\n%s\n%s", line, knownText(&r), knownText(&again))
		}
	})
}
