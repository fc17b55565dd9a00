package expr

import (
	"slices"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/record"
)

// customHeader and customLines are records of an AWS custom format, in an
// order of the user's choosing, for the terms on its fields.
const customHeader = "version vpc-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr tcp-flags type flow-direction traffic-path region ecs-service-name reject-reason action log-status"

var customLines = []struct{ name, line string }{
	{"egress", "8 vpc-0a1b 10.0.1.5 203.0.113.7 10.0.1.5 203.0.113.7 19 IPv4 egress 8 eu-west-1 web - ACCEPT OK"},
	{"natin", "8 vpc-0a1b 10.0.2.9 10.0.1.5 198.51.100.1 10.0.1.5 2 IPv4 ingress - eu-west-1 - BPA REJECT OK"},
	{"v6", "8 vpc-9f8e 2001:db8::1 2001:db8::2 2001:db8::1 2001:db8:ff::2 3 IPv6 ingress - us-east-1 api-v2 - ACCEPT OK"},
	{"nodata", "8 vpc-9f8e - - - - - - - - us-east-1 - - - NODATA"},
}

func parseCustom(t testing.TB, line string) *record.Record {
	t.Helper()
	l, err := record.ParseHeader([]byte(customHeader))
	if err != nil {
		t.Fatal(err)
	}
	var r record.Record
	if err := l.Parse([]byte(line), record.KnownFields, &r); err != nil {
		t.Fatalf("Parse(%q): %v", line, err)
	}
	return &r
}

var fieldMatchTests = []struct {
	expr string
	want string
}{
	{"vpc-id vpc-0a1b", "egress natin"},
	{"vpc_id = vpc-9f8e", "v6 nodata"},
	{"VPC-ID != vpc-9f8e", "egress natin"},
	{`vpc_id in (vpc-0a1b, "vpc-9f8e")`, "egress natin v6 nodata"},
	{"type IPv6", "v6"},
	{"type ipv6", ""}, // values are exact
	{"flow-direction ingress and action reject", "natin"},
	{"reject-reason BPA", "natin"},
	{"not reject-reason BPA", "egress v6 nodata"}, // "-" is absent: the term is false, its negation true
	{"ecs-service-name != web", "v6"},
	{"region eu-west-1 and dst net 10.0.0.0/8", "natin"},
	{"tcp-flags = 2", "natin"},
	{"tcpflags >= 3", "egress v6"},
	{"tcp_flags in (1-2, 19)", "egress natin"},
	{"traffic-path 8", "egress"},
	{"pkt-srcaddr host 198.51.100.1", "natin"},
	{"pkt-src 198.51.100.1", "natin"},
	{"pkt_src net 198.51.100.0/24 and not src net 198.51.100.0/24", "natin"},
	{"pkt-dst net 2001:db8:ff::/48", "v6"},
	{"pkt-dstaddr net 10.0.0.0/8 or pkt-dstaddr net 2001:db8::/32", "natin v6"},
}

func TestFieldTerms(t *testing.T) {
	for _, tc := range fieldMatchTests {
		e, err := Compile(tc.expr)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.expr, err)
			continue
		}
		var got []string
		for _, l := range customLines {
			if e.Match(parseCustom(t, l.line)) {
				got = append(got, l.name)
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%q matched %q, want %q", tc.expr, strings.Join(got, " "), tc.want)
		}
		// The canonical form means the same.
		e2, err := Compile(e.String())
		if err != nil || e2.String() != e.String() || e2.Fields() != e.Fields() {
			t.Errorf("%q: canonical form %q compiles to %v, %v", tc.expr, e.String(), e2, err)
		}
	}
	// A version-2 record has none of these fields: no term on them holds.
	v2 := parseLine(t, testLines[0].line, record.AllFields)
	for _, tc := range fieldMatchTests {
		if e, _ := Compile(tc.expr); strings.HasPrefix(tc.expr, "not ") != e.Match(v2) {
			t.Errorf("%q on a version-2 record: %v", tc.expr, e.Match(v2))
		}
	}
}

func TestFieldTermFields(t *testing.T) {
	e, err := Compile("vpc-id x and pkt-src net 10.0.0.0/8 and tcp-flags > 1")
	if err != nil {
		t.Fatal(err)
	}
	want := record.FieldSet(0).With(record.VPCID).With(record.PktSrcAddr).With(record.TCPFlags)
	if e.Fields() != want {
		t.Errorf("Fields = %b, want %b", e.Fields(), want)
	}
}

func TestFieldTermErrors(t *testing.T) {
	for src, want := range map[string]string{
		"vpc-id":                   "expected a value of vpc_id after",
		"vpc-id < x":               `vpc_id takes =, != or in, not "<"`,
		"tcp-flags = x":            "expected a number",
		"tcp-flags = 4294967296":   "tcp_flags 4294967296 is out of range",
		"tcp-flags in (3-1)":       "empty range",
		"pkt-src bogus":            `expected an address, a network, "host" or "net"`,
		"pkt-src net 10.0.0.0/33":  "invalid network",
		"vpc-idd vpc-1":            `unknown field "vpc-idd" (did you mean "vpc_id"?)`,
		"vpc-id in (a, b":          "unbalanced parenthesis",
		`region = ""`:              "empty value of region",
		"region":                   "expected a value of region",
		"vpc-id a pkt-src 1.2.3.4": "terms are not joined implicitly",
	} {
		_, err := Compile(src)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%q) = %v, want an error containing %q", src, err, want)
		}
	}
}

func TestRegisterField(t *testing.T) {
	// A field derived from the record: the first octet of the source.
	fd := &Field{Name: "test.src_octet", Kind: record.KindNumber, Needs: record.FieldSet(0).With(record.SrcAddr), Max: 255,
		Number: func(r *record.Record) (uint64, bool) {
			if !r.Has(record.SrcAddr) || !r.SrcAddr.Is4() {
				return 0, false
			}
			return uint64(r.SrcAddr.As4()[0]), true
		}}
	RegisterField(fd)
	defer delete(fields, normalName(fd.Name))
	e, err := Compile("test.src_octet = 10 and tcp")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range testLines {
		if e.Match(parseLine(t, l.line, record.AllFields)) {
			got = append(got, l.name)
		}
	}
	if strings.Join(got, " ") != "rdpin lan" {
		t.Errorf("matched %v", got)
	}
	if !e.Fields().Has(record.SrcAddr) {
		t.Error("Fields lacks what the derived field reads")
	}
	defer func() {
		if recover() == nil {
			t.Error("a second field of the same name was accepted")
		}
	}()
	RegisterField(&Field{Name: "TEST.src-octet"})
}

func TestFieldNamesAreNotKeywords(t *testing.T) {
	for _, n := range fieldNames() {
		if slices.Contains(termKeywords, n) {
			t.Errorf("field %q shadows a term keyword", n)
		}
	}
}
