package expr

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/record"
)

// testLines are the records every match case runs against, by name.
var testLines = []struct{ name, line string }{
	{"tcp", "2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 172.17.1.100 172.17.1.101 59113 20756 6 17 1325 1587983051 1587983052 ACCEPT OK"},
	{"nodata", "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"},
	{"skip", "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA"},
	{"v6", "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK"},
	{"icmp", "2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK"},
	{"rdp", "2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 203.0.113.7 10.7.1.9 51234 3389 6 1200 2500000 1587983051 1587983112 ACCEPT OK"},
	{"rdpin", "2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 10.2.3.4 10.7.1.9 51235 3389 6 1200 2500000 1587983051 1587983112 ACCEPT OK"},
	{"rej", "2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 198.51.100.9 172.17.1.100 44321 22 6 3 180 1587983100 1587983101 REJECT OK"},
	{"dns", "2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 172.17.1.100 10.0.5.5 53000 53 17 2 150 1587983200 1587983200 ACCEPT OK"},
	{"lan", "2 12345678 7ffd6527-ce80-4e57-a949-f9a45824ebe2 10.10.0.1 10.1.200.7 40000 443 6 10 5000 1587983300 1587983360 ACCEPT OK"},
}

func parseLine(t testing.TB, line string, need record.FieldSet) *record.Record {
	t.Helper()
	var r record.Record
	if err := record.Parse([]byte(line), need, &r); err != nil {
		t.Fatalf("record.Parse(%q): %v", line, err)
	}
	return &r
}

const specExample = "proto tcp and dst port in (22, 3389) and bytes > 1M and not src net 10.0.0.0/8"

const (
	allV4       = "tcp icmp rdp rdpin rej dns lan"
	allOK       = "tcp v6 icmp rdp rdpin rej dns lan"
	allTCP      = "tcp v6 rdp rdpin rej lan"
	allAccepted = "tcp v6 icmp rdp rdpin dns lan"
)

var matchTests = []struct {
	expr string
	want string // names of the matching records, space-separated
}{
	{specExample, "rdp"},

	// protocol
	{"tcp", allTCP},
	{"proto tcp", allTCP},
	{"PROTO TCP", allTCP},
	{"protocol = 6", allTCP},
	{"proto udp", "dns"},
	{"icmp", "icmp"},
	{"proto 1", "icmp"},
	{"icmpv6", ""},
	{"proto in (tcp, udp)", allTCP + " dns"},
	{"protocol in (1-6)", allTCP + " icmp"},
	{"proto > tcp", "dns"},
	{"proto != tcp", "icmp dns"},

	// absent fields: every term is false, so its negation is true
	{"not tcp", "nodata skip icmp dns"},
	{"bytes > 1M", "rdp rdpin"},
	{"not bytes > 1M", "tcp nodata skip v6 icmp rej dns lan"},
	{"bytes <= 1M", "tcp v6 icmp rej dns lan"},
	{"bytes != 1325", "v6 icmp rdp rdpin rej dns lan"},
	{"not accept", "nodata skip rej"},

	// action and status
	{"accept", allAccepted},
	{"accepted", allAccepted},
	{"REJECT", "rej"},
	{"action rejected", "rej"},
	{"action accept", allAccepted},
	{"status nodata", "nodata"},
	{"log_status SKIPDATA", "skip"},
	{"status ok", allOK},

	// counters, with decimal units
	{"bytes >= 1325", "tcp v6 rdp rdpin lan"},
	{"bytes = 1325", "tcp"},
	{"bytes == 1325", "tcp"},
	{"bytes >= 2500k", "rdp rdpin"},
	{"bytes > 2500K", ""},
	{"bytes < 1k", "icmp rej dns"},
	{"packets < 5", "icmp rej dns"},
	{"packets >= 1K", "rdp rdpin"},
	{"bytes in (150, 180, 300-400)", "icmp rej dns"},
	{"bytes > 0G", "tcp v6 icmp rdp rdpin rej dns lan"},
	{"bytes < 1T", "tcp v6 icmp rdp rdpin rej dns lan"},

	// ports
	{"port 22", "v6 rej"},
	{"port ssh", "v6 rej"},
	{"dst port 22", "v6 rej"},
	{"src port 22", ""},
	{"port 0", "icmp"},
	{"port < 1024", "v6 icmp rej dns lan"},
	{"src port > 50000", "tcp rdp rdpin dns"},
	{"src port != 53000", "tcp v6 icmp rdp rdpin rej lan"},
	{"dst port 3000-4000", "rdp rdpin"},
	{"portrange 3000-4000", "rdp rdpin"},
	{"dst portrange 3000-4000", "rdp rdpin"},
	{"src portrange 50000-60000", "tcp rdp rdpin dns"},
	{"dst port in (22, 3389, 8000-8999)", "v6 rdp rdpin rej"},
	{"dst port in (ssh, rdp, https)", "v6 rdp rdpin rej lan"},
	{"port in (dns)", "dns"},
	{"srcport = 34892", "v6"},
	{"sport = 34892", "v6"},
	{"dport >= 443", "tcp rdp rdpin lan"},
	{"dstport in (53)", "dns"},

	// addresses
	{"host 172.17.1.100", "tcp rej dns"},
	{"src host 172.17.1.100", "tcp dns"},
	{"dst 172.17.1.100", "rej"},
	{"ip 203.0.113.12", "icmp"},
	{"src 203.0.113.12", "icmp"},
	{"host 2001:db8:1234:a102:3304:8879:34cf:4071", "v6"},
	{"host 2001:DB8:1234:A102:3304:8879:34CF:4071", "v6"},
	{"dst host 2001:db8:1234:a102:3304:8879:34cf:4071", "v6"},
	{"src host 2001:db8:1234:a102:3304:8879:34cf:4071", ""},

	// networks: numeric, not string prefixes
	{"net 10.0.0.0/8", "rdp rdpin dns lan"},
	{"net 10.1.2.3/8", "rdp rdpin dns lan"}, // host bits are masked off
	{"src net 10.0.0.0/8", "rdpin lan"},
	{"not src net 10.0.0.0/8", "tcp nodata skip v6 icmp rdp rej dns"},
	{"dst net 10.1.0.0/15", "dns lan"}, // 10.0.0.0-10.1.255.255 holds 10.0.5.5
	{"net 10.1.0.0/16", "lan"},         // 10.10.0.1 starts with "10.1" but is not in it
	{"src net 10.1.0.0/16", ""},        // the same, on its own
	{"dst 10.0.0.0/14", "dns lan"},     // 10.0.0.0-10.3.255.255
	{"net 172.16.0.0/12", "tcp icmp rej dns"},
	{"net 10.0.5.5", "dns"},
	{"net 10.0.5.5/32", "dns"},
	{"src 2001:db8:1234:a100::/64", "v6"},
	{"dst net 2001:db8:1234:a100::/64", ""},
	{"dst net 2001:db8:1234:a100::/52", "v6"},
	{"net 2001:db8::/32", "v6"},
	{"net ::/0", "v6"}, // a prefix holds only its own family
	{"net 0.0.0.0/0", allV4},
	{"ipv4", allV4},
	{"ipv6", "v6"},
	{"not ipv4 and not ipv6", "nodata skip"},

	// times
	{"start >= 2020-04-27T10:24:11Z", "tcp rdp rdpin rej dns lan"},
	{"start > 2020-04-27T10:24:11Z", "rej dns lan"},
	{"start > 2020-04-27T12:24:11+02:00", "rej dns lan"},
	{"start = 1587983051", "tcp rdp rdpin"},
	{"start < 2016-01-01", "nodata skip icmp"},
	{"start < 2016-01-01T00:00", "nodata skip icmp"},
	{"end < 1432917142", "nodata skip"},
	{"end in (1432917142, 1587983100-1587983200)", "icmp rdp rdpin rej dns"},
	{"start in (2015-05-29T16:30:27Z-2016-10-31T11:35:08Z)", "v6 icmp"},
	{"duration > 100", "v6 icmp"},
	{"duration >= 1m", "v6 icmp rdp rdpin lan"},
	{"duration >= 60s", "v6 icmp rdp rdpin lan"},
	{"duration < 1h", "tcp nodata skip v6 icmp rdp rdpin rej dns lan"},
	{"duration > 1d", ""},
	{"duration = 0", "dns"},
	{"duration in (1, 58)", "tcp nodata skip rej"},

	// identifiers: exact and case-sensitive
	{"interface eni-1235b8ca123456789", "nodata v6 icmp"},
	{"interface ENI-1235B8CA123456789", ""},
	{`interface "7ffd6527-ce80-4e57-a949-f9a45824ebe2"`, "tcp rdp rdpin rej dns lan"},
	{"account 123456789010", "nodata skip v6 icmp"},
	{"account 1234567", ""},

	// boolean structure and precedence: not > and > or
	{"tcp or udp and bytes > 1M", allTCP},
	{"(tcp or udp) and bytes > 1M", "rdp rdpin"},
	{"udp or tcp and bytes > 1M", "rdp rdpin dns"},
	{"not tcp and not udp", "nodata skip icmp"},
	{"! tcp && ! udp", "nodata skip icmp"},
	{"!tcp&&!udp", "nodata skip icmp"},
	{"tcp || icmp", allTCP + " icmp"},
	{"not (tcp or udp)", "nodata skip icmp"},
	{"not not tcp", allTCP},
	{"((tcp))", allTCP},
	{"tcp and port 22 or udp and port 53", "v6 rej dns"},
	{"bytes>1M&&dst port=3389", "rdp rdpin"},
	{"status nodata or status skipdata", "nodata skip"},
	{"Proto Tcp AND Dst Port 22 Or Src Net 10.0.0.0/8", "v6 rej rdpin lan"},
	{"tcp and\n\tdst port 22", "v6 rej"},
}

func TestMatch(t *testing.T) {
	for _, tc := range matchTests {
		e, err := Compile(tc.expr)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.expr, err)
			continue
		}
		want := strings.Fields(tc.want)
		var got []string
		for _, l := range testLines {
			full := parseLine(t, l.line, record.AllFields)
			m := e.Match(full)
			// The scanner parses only e.Fields(); the result must not change.
			if only := e.Match(parseLine(t, l.line, e.Fields())); only != m {
				t.Errorf("%q on %s: %v with all fields, %v with Fields() %b", tc.expr, l.name, m, only, e.Fields())
			}
			if m {
				got = append(got, l.name)
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%q (%s) matches %v, want %v", tc.expr, e, got, want)
		}
	}
}

func TestMatchDurationOfBackwardRecord(t *testing.T) {
	// end before start: the record has no duration, so both sides are false.
	r := parseLine(t, "2 1 x 10.0.0.1 10.0.0.2 1 2 6 1 1 1587983100 1587983000 ACCEPT OK", record.AllFields)
	for _, src := range []string{"duration < 1000", "duration >= 0"} {
		if mustCompile(t, src).Match(r) {
			t.Errorf("%q matches a record whose end is before its start", src)
		}
	}
}

func mustCompile(t testing.TB, src string) *Expr {
	t.Helper()
	e, err := Compile(src)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return e
}

func fieldSet(fs ...record.Field) record.FieldSet {
	var s record.FieldSet
	for _, f := range fs {
		s = s.With(f)
	}
	return s
}

func TestFields(t *testing.T) {
	tests := []struct {
		expr string
		want record.FieldSet
	}{
		{specExample, fieldSet(record.Protocol, record.DstPort, record.Bytes, record.SrcAddr)},
		{"tcp", fieldSet(record.Protocol)},
		{"port 22", fieldSet(record.SrcPort, record.DstPort)},
		{"dst port 22", fieldSet(record.DstPort)},
		{"sport in (1, 2)", fieldSet(record.SrcPort)},
		{"portrange 1-2", fieldSet(record.SrcPort, record.DstPort)},
		{"host 10.0.0.1", fieldSet(record.SrcAddr, record.DstAddr)},
		{"src net 10.0.0.0/8", fieldSet(record.SrcAddr)},
		{"dst 10.0.0.1", fieldSet(record.DstAddr)},
		{"ipv6", fieldSet(record.SrcAddr, record.DstAddr)},
		{"duration > 5", fieldSet(record.Start, record.End)},
		{"start > 5", fieldSet(record.Start)},
		{"end > 5", fieldSet(record.End)},
		{"packets > 5", fieldSet(record.Packets)},
		{"interface x and status ok or accept", fieldSet(record.InterfaceID, record.LogStatus, record.ActionField)},
		{"not account 1", fieldSet(record.AccountID)},
	}
	for _, tc := range tests {
		if got := mustCompile(t, tc.expr).Fields(); got != tc.want {
			t.Errorf("Fields(%q) = %014b, want %014b", tc.expr, got, tc.want)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct{ expr, want string }{
		{specExample, "(proto tcp and dst port in (22, 3389) and bytes > 1000000 and not src net 10.0.0.0/8)"},
		{"tcp or udp and bytes > 1M", "(proto tcp or (proto udp and bytes > 1000000))"},
		{ // the example in docs/query-language.md
			"proto tcp and dst port in (ssh, 3389) and bytes > 1M and not src net 10.1.2.3/8",
			"(proto tcp and dst port in (22, 3389) and bytes > 1000000 and not src net 10.0.0.0/8)",
		},
		{"net 10.1.2.3/8", "net 10.0.0.0/8"},
		{"net 10.0.0.1", "net 10.0.0.1/32"},
		{"src 10.0.0.1", "src host 10.0.0.1"},
		{"dst 2001:db8::/32", "dst net 2001:db8::/32"},
		{"ip ::1", "host ::1"},
		{"srcport = 22", "src port 22"},
		{"dport > 1023", "dst port > 1023"},
		{"port ssh", "port 22"},
		{"portrange 1-1023", "port 1-1023"},
		{"src port 22-22", "src port 22-22"},
		{"port in (ssh, 8000-8999)", "port in (22, 8000-8999)"},
		{"proto in (tcp, 17, 99)", "proto in (tcp, udp, 99)"},
		{"proto 58", "proto icmpv6"},
		{"icmp6", "proto icmpv6"},
		{"protocol == 99", "proto 99"},
		{"ACCEPTED", "action accept"},
		{"action REJECT", "action reject"},
		{"log_status NODATA", "status nodata"},
		{`interface "a b"`, `interface "a b"`},
		{`interface eni-1`, `interface eni-1`},
		{`account "a(b"`, `account "a(b"`},
		{"start >= 2020-04-27T10:24:11Z", "start >= 1587983051"},
		{"duration > 5m", "duration > 300"},
		{"bytes in (1K-2K, 5)", "bytes in (1000-2000, 5)"},
		{"not not tcp", "not not proto tcp"},
		{"((tcp))", "proto tcp"},
		{"(tcp and udp) and icmp", "((proto tcp and proto udp) and proto icmp)"},
		{"tcp && udp || !icmp", "((proto tcp and proto udp) or not proto icmp)"},
		{"ipv4 or ipv6", "(ipv4 or ipv6)"},
	}
	for _, tc := range tests {
		e := mustCompile(t, tc.expr)
		got := e.String()
		if got != tc.want {
			t.Errorf("Compile(%q).String() = %q, want %q", tc.expr, got, tc.want)
		}
		if again := mustCompile(t, got).String(); again != got {
			t.Errorf("String() of %q does not round-trip: %q, then %q", tc.expr, got, again)
		}
	}
}

var errorTests = []struct {
	expr string
	pos  int
	msg  string
}{
	{"", 1, "empty expression"},
	{"   ", 1, "empty expression"},
	{"tcp and bytes > abc", 17, `expected a number after ">", found "abc"`},
	{"tcp and bytes >", 16, `expected a number after ">", found end of expression`},
	{"bytes > 1X", 9, `expected a number after ">", found "1X"`},
	{"bytes > 2.5M", 9, `expected a number after ">", found "2.5M"`},
	{"bytes > 99999999999999999999", 9, `"99999999999999999999" is too large`},
	{"bytes > 20000000T", 9, `"20000000T" is too large`},
	{"bytes 5", 7, `expected a comparison operator or "in" after "bytes", found "5"`},
	{"proto tcp and byts > 1M", 15, `unknown field "byts" (did you mean "bytes"?)`},
	{"tcp and dstprt 22", 9, `unknown field "dstprt" (did you mean "dstport"?)`},
	{"hots 10.0.0.1", 1, `unknown field "hots" (did you mean "host"?)`},
	{"frobnicate", 1, `unknown field "frobnicate"`},
	{"srcaddr 10.0.0.1", 1, `unknown field "srcaddr" (did you mean "src"?)`},
	{"tcp and account_id 1", 9, `unknown field "account_id" (did you mean "account"?)`},
	{"tcp and SSH", 9, `found port name "SSH" without a keyword (write "port ssh")`},
	{"tcp and (udp or icmp", 9, `unbalanced parenthesis: this "(" is not closed`},
	{"((tcp)", 1, `unbalanced parenthesis: this "(" is not closed`},
	{"tcp)", 4, `unbalanced parenthesis: no "(" to close`},
	{")", 1, `unbalanced parenthesis: no "(" to close`},
	{"(tcp) and udp)", 14, `unbalanced parenthesis: no "(" to close`},
	{"()", 2, `expected a filter term after "(", found ")"`},
	{"tcp port 22", 5, `expected "and" or "or" after "tcp", found "port" (terms are not joined implicitly)`},
	{"tcp udp", 5, `expected "and" or "or" after "tcp", found "udp" (terms are not joined implicitly)`},
	{"port 22 80", 9, `expected "and" or "or" after "22", found "80"`},
	{"(tcp udp)", 6, `expected "and", "or" or ")" after "tcp", found "udp" (terms are not joined implicitly)`},
	{"tcp and", 8, `expected a filter term after "and", found end of expression`},
	{"tcp and or udp", 9, `expected a filter term after "and", found "or"`},
	{"and tcp", 1, `expected a filter term, found "and"`},
	{"not", 4, `expected a filter term after "not", found end of expression`},
	{"tcp & udp", 5, `unexpected "&" (did you mean "&&"?)`},
	{"tcp | udp", 5, `unexpected "|" (did you mean "||"?)`},
	{"net 10.0.0.0/33", 5, `invalid network "10.0.0.0/33": prefix length out of range`},
	{"src net 10.0.0/8", 9, `invalid network "10.0.0/8": IPv4 address too short`},
	{"host 10.0.0.256", 6, `invalid address "10.0.0.256": IPv4 field has value >255`},
	{"host 10.0.0.0/8", 6, `expected an address after "host", found network "10.0.0.0/8" (use "net")`},
	{"host fe80::1%eth0", 6, `address "fe80::1%eth0" has a zone, which flow logs never record`},
	{"host", 5, `expected an address after "host", found end of expression`},
	{"host foo", 6, `expected an address after "host", found "foo"`},
	{"net foo", 5, `expected a network after "net", found "foo"`},
	{"src net port 22", 9, `expected a network after "net", found "port"`},
	{"src foo", 5, `expected an address, a network, "host", "net" or "port" after "src", found "foo"`},
	{"10.0.0.1", 1, `found address "10.0.0.1" without a keyword (write "host 10.0.0.1")`},
	{"10.1.2.3/8", 1, `found network "10.1.2.3/8" without a keyword (write "net 10.0.0.0/8")`},
	{"22", 1, `expected a filter term, found "22"`},
	{"port 70000", 6, `port 70000 is out of range (0-65535)`},
	{"dst port in (22, 99999)", 18, `port 99999 is out of range (0-65535)`},
	{"port 80-22", 6, `empty range "80-22" (the lower bound comes first)`},
	{"port 22-", 6, `expected a port number or name after "port", found "22-"`},
	{"port sshh", 6, `unknown port name "sshh" (did you mean "ssh"?)`},
	{"port != 22", 6, `"port !=" is ambiguous without src or dst (write "not port N" or "src port != N")`},
	{"portrange 22", 11, `expected a port range N-M after "portrange", found "22"`},
	{"portrange 22-x", 11, `expected a port number or name after "portrange", found "22-x"`},
	{"dst port in 22", 13, `expected "(" after "in", found "22"`},
	{"dst port in ()", 14, `expected a port number or name after "(", found ")"`},
	{"dst port in (22 80)", 17, `expected "," or ")" after "22", found "80"`},
	{"dst port in (22,", 17, `expected a port number or name after ",", found end of expression`},
	{"dst port in (22", 13, `unbalanced parenthesis: this "(" is not closed`},
	{"proto 300", 7, `protocol 300 is out of range (0-255)`},
	{"proto tpc", 7, `unknown protocol "tpc" (did you mean "tcp"?)`},
	{"proto xyzzy", 7, `expected a protocol name or number after "proto", found "xyzzy"`},
	{"action maybe", 8, `expected "accept" or "reject" after "action", found "maybe"`},
	{"status fine", 8, `expected "ok", "nodata" or "skipdata" after "status", found "fine"`},
	{`interface ""`, 11, `empty interface ID`},
	{`interface`, 10, `expected an interface ID after "interface", found end of expression`},
	{`interface "abc`, 11, `unterminated quoted string`},
	{"start > 2020-04-27T10:24:11.5Z", 9, `fractional seconds are not supported in "2020-04-27T10:24:11.5Z"`},
	{"start > 1960-01-01", 9, `times before 1970 are not supported`},
	{"start > yesterday", 9, `expected a time (unix seconds or RFC 3339) after ">", found "yesterday"`},
	{"duration > 5y", 12, `expected a duration (seconds, or a number with s, m, h or d) after ">", found "5y"`},
	// columns count characters, not bytes
	{"interface é and bytes > x", 25, `expected a number after ">", found "x"`},
	{strings.Repeat("(", 101) + "tcp" + strings.Repeat(")", 101), 101, "expression nested too deeply (more than 100 levels)"},
	{strings.Repeat("not ", 101) + "tcp", 401, "expression nested too deeply (more than 100 levels)"},
}

func TestSyntaxErrors(t *testing.T) {
	for _, tc := range errorTests {
		_, err := Compile(tc.expr)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Compile(%q) = %v, want a *SyntaxError", tc.expr, err)
			continue
		}
		if se.Pos != tc.pos || se.Msg != tc.msg || se.Src != tc.expr {
			t.Errorf("Compile(%q):\n got column %d: %s\nwant column %d: %s", tc.expr, se.Pos, se.Msg, tc.pos, tc.msg)
		}
	}
}

func TestSyntaxErrorText(t *testing.T) {
	_, err := Compile("tcp and bytes > abc")
	if got, want := err.Error(), `--where: column 17: expected a number after ">", found "abc"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	tests := []struct {
		err  SyntaxError
		want string
	}{
		{SyntaxError{Pos: 17, Src: "tcp and bytes > abc"}, "tcp and bytes > abc\n                ^"},
		{SyntaxError{Pos: 1, Src: ""}, "\n^"},
		{SyntaxError{Pos: 8, Src: "tcp and"}, "tcp and\n       ^"},
		{SyntaxError{Pos: 5, Src: "é\tx\ny z"}, "é\tx y z\n \t  ^"},
	}
	for _, tc := range tests {
		if got := tc.err.Caret(); got != tc.want {
			t.Errorf("Caret() of %q at %d = %q, want %q", tc.err.Src, tc.err.Pos, got, tc.want)
		}
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	exprs := []string{
		specExample,
		"host 2001:db8:1234:a102:3304:8879:34cf:4071 or net 2001:db8::/32",
		"interface eni-1235b8ca123456789 and account 123456789010",
		"duration > 1m or start < 2016-01-01 or port in (22, 8000-8999)",
		"not (accept and status ok) or ipv6",
	}
	var recs []*record.Record
	for _, l := range testLines {
		recs = append(recs, parseLine(t, l.line, record.AllFields))
	}
	for _, src := range exprs {
		e := mustCompile(t, src)
		n := testing.AllocsPerRun(100, func() {
			for _, r := range recs {
				e.Match(r)
			}
		})
		if n != 0 {
			t.Errorf("Match(%q) allocates %v times per run", src, n)
		}
	}
}
