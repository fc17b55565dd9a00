package flowlog

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const nicID = "7ffd6527-ce80-4e57-a949-f9a45824ebe2"

// wantField checks that err is a *ValidationError for field, or nil when
// field is "".
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v (%T), want *ValidationError for %q", err, err, field)
	}
	if ve.Field != field {
		t.Fatalf("error field = %q, want %q (%v)", ve.Field, field, err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("error is not one line: %q", msg)
	}
	if msg != strings.ToLower(msg[:1])+msg[1:] {
		t.Errorf("error does not start lower-case: %q", msg)
	}
}

func TestParseResourceType(t *testing.T) {
	tests := []struct {
		in   string
		want ResourceType
		ok   bool
	}{
		{"nic", NIC, true},
		{"NIC", NIC, true},
		{"Nic", NIC, true},
		{"natgateway", NATGateway, true},
		{"NATGateway", NATGateway, true},
		{"nat-gateway", NATGateway, true},
		{"nlb", NLB, true},
		{"NLB", NLB, true},
		{"networkloadbalancer", NLB, true},
		{"NetworkLoadBalancer", NLB, true},
		{"", "", false},
		{"alb", ALB, true},
		{"ALB", ALB, true},
		{"applicationloadbalancer", ALB, true},
		{"ApplicationLoadBalancer", ALB, true},
		{"application-load-balancer", "", false},
		{"lb", "", false},
		{" nic", "", false},
		{"nics", "", false},
	}
	for _, tt := range tests {
		got, err := ParseResourceType(tt.in)
		if tt.ok {
			wantField(t, err, "")
			if got != tt.want {
				t.Errorf("ParseResourceType(%q) = %q, want %q", tt.in, got, tt.want)
			}
			continue
		}
		wantField(t, err, "type")
	}
}

func TestParseDirection(t *testing.T) {
	tests := []struct {
		in   string
		want Direction
		ok   bool
	}{
		{"ingress", Ingress, true},
		{"INGRESS", Ingress, true},
		{"Egress", Egress, true},
		{"bidirectional", Bidirectional, true},
		{"BiDirectional", Bidirectional, true},
		{"", "", false},
		{"in", "", false},
		{"both", "", false},
		{"ingress ", "", false},
	}
	for _, tt := range tests {
		got, err := ParseDirection(tt.in)
		if tt.ok {
			wantField(t, err, "")
			if got != tt.want {
				t.Errorf("ParseDirection(%q) = %q, want %q", tt.in, got, tt.want)
			}
			continue
		}
		wantField(t, err, "direction")
	}
}

func TestParseAction(t *testing.T) {
	tests := []struct {
		in   string
		want Action
		ok   bool
	}{
		{"accepted", Accepted, true},
		{"ACCEPTED", Accepted, true},
		{"Rejected", Rejected, true},
		{"all", All, true},
		{"ALL", All, true},
		// The record's verdict words are not the configuration's.
		{"accept", "", false},
		{"REJECT", "", false},
		{"any", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := ParseAction(tt.in)
		if tt.ok {
			wantField(t, err, "")
			if got != tt.want {
				t.Errorf("ParseAction(%q) = %q, want %q", tt.in, got, tt.want)
			}
			continue
		}
		wantField(t, err, "action")
	}
}

func TestValidateResourceID(t *testing.T) {
	tests := []struct {
		kind, id string
		field    string // "" = valid
	}{
		{"nic", nicID, ""},
		{"nic", strings.ToUpper(nicID), ""},
		{"natgateway", "00000000-0000-0000-0000-000000000000", ""},
		{"nic", "", "nic"},
		{"nlb", "7ffd6527", "nlb"},
		{"nic", "7ffd6527ce804e57a949f9a45824ebe2", "nic"},
		{"nic", "{" + nicID + "}", "nic"},
		{"nic", "urn:uuid:" + nicID, "nic"},
		{"nic", "7ffd6527-ce80-4e57-a949-f9a45824ebeg", "nic"},
		{"nic", "7ffd6527-ce804-e57-a949-f9a45824ebe2", "nic"},
		{"nic", " " + nicID, "nic"},
		{"datacenter", "x", "datacenter"},
		{"", "x", "resource id"},
	}
	for _, tt := range tests {
		wantField(t, ValidateResourceID(tt.kind, tt.id), tt.field)
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name  string
		valid bool
	}{
		{"webserver01", true},
		{"web ingress", true},
		{"web-ingress-2024", true},
		{"ünïcödé", true},
		{"a", true},
		{strings.Repeat("a", 255), true},
		{strings.Repeat("é", 127), true}, // 254 bytes
		{"100%", true},
		{"%2", true},
		{"", false},
		{strings.Repeat("a", 256), false},
		{strings.Repeat("é", 128), false}, // 128 runes but 256 bytes
		{"web/ingress", false},
		{"/", false},
		{"web%2Fingress", false},
		{"web%2fingress", false},
		{"tab\there", false},
		{"new\nline", false},
		{"nul\x00", false},
		{"del\x7f", false},
		{"c1\u0085", false},
		{" lead", false},
		{"trail ", false},
		{"trail\u00a0", false},
		{"bad\xffutf8", false},
	}
	for _, tt := range tests {
		err := ValidateName(tt.name)
		if tt.valid {
			wantField(t, err, "")
		} else {
			wantField(t, err, "name")
		}
	}
}

func TestValidationErrorMessage(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{ValidateBucket("My_Logs"), `invalid bucket "My_Logs": bucket names use only lower-case letters, digits, dots and hyphens`},
		{ValidateName("a/b"), `invalid name "a/b": must not contain '/': the name starts every object key the flow log writes`},
		{ValidateName("a\nb"), `invalid name "a\nb": must not contain control characters`},
		{ValidateName(strings.Repeat("x", 300)), `invalid name "` + strings.Repeat("x", 80) + `…": must be at most 255 bytes long, not 300`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestValidateBucket(t *testing.T) {
	tests := []struct {
		bucket string
		valid  bool
	}{
		{"my-logs", true},
		{"abc", true},
		{"a.b.c", true},
		{"logs.example.com", true},
		{"0logs9", true},
		{"1.2.3", true},
		{"1.2.3.4.5", true},
		{strings.Repeat("a", 63), true},
		{"", false},
		{"ab", false},
		{strings.Repeat("a", 64), false},
		{"My_Logs", false},
		{"MyLogs", false},
		{"my_logs", false},
		{"my logs", false},
		{"-logs", false},
		{"logs-", false},
		{".logs", false},
		{"logs.", false},
		{"my..logs", false},
		{"my.-logs", false},
		{"my-.logs", false},
		{"192.168.5.4", false},
		{"999.999.999.999", false},
		{"my-logs/web", false},
		{"s3://my-logs", false},
	}
	for _, tt := range tests {
		err := ValidateBucket(tt.bucket)
		if tt.valid {
			wantField(t, err, "")
		} else {
			wantField(t, err, "bucket")
		}
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in             string
		bucket, prefix string
		field          string // "" = valid
	}{
		{"my-logs", "my-logs", "", ""},
		{"my-logs/", "my-logs", "", ""},
		{"my-logs/web", "my-logs", "web", ""},
		{"my-logs/web/", "my-logs", "web", ""},
		{"my-logs/web logs", "my-logs", "web logs", ""},
		{"my-logs/" + strings.Repeat("p", 255), "my-logs", strings.Repeat("p", 255), ""},
		{"", "", "", "bucket"},
		{"/web", "", "", "bucket"},
		{"My-Logs/web", "", "", "bucket"},
		{"my-logs//", "", "", "prefix"},
		{"my-logs//web", "", "", "prefix"},
		{"my-logs/web/2024", "", "", "prefix"},
		{"my-logs/web//", "", "", "prefix"},
		{"my-logs/.", "", "", "prefix"},
		{"my-logs/..", "", "", "prefix"},
		{"my-logs/a\tb", "", "", "prefix"},
		{"my-logs/" + strings.Repeat("p", 256), "", "", "prefix"},
	}
	for _, tt := range tests {
		b, p, err := ParseTarget(tt.in)
		wantField(t, err, tt.field)
		if b != tt.bucket || p != tt.prefix {
			t.Errorf("ParseTarget(%q) = %q, %q, want %q, %q", tt.in, b, p, tt.bucket, tt.prefix)
		}
	}
}

func TestDefaultName(t *testing.T) {
	tests := []struct {
		t    ResourceType
		id   string
		want string
	}{
		{NIC, nicID, "nic-7ffd6527"},
		{NIC, strings.ToUpper(nicID), "nic-7ffd6527"},
		{NATGateway, "0a1b2c3d-0000-0000-0000-000000000000", "natgateway-0a1b2c3d"},
		{NLB, "abcd", "nlb-abcd"},
	}
	for _, tt := range tests {
		got := DefaultName(tt.t, tt.id)
		if got != tt.want {
			t.Errorf("DefaultName(%q, %q) = %q, want %q", tt.t, tt.id, got, tt.want)
		}
		if tt.id == nicID {
			wantField(t, ValidateName(got), "")
		}
	}
}

func validFlowLog() FlowLog {
	return FlowLog{
		Name:         "web-ingress",
		ResourceType: NIC,
		ResourceID:   nicID,
		DatacenterID: "11111111-2222-3333-4444-555555555555",
		ServerID:     "66666666-7777-8888-9999-000000000000",
		Direction:    Ingress,
		Action:       All,
		Bucket:       "my-logs",
		Prefix:       "web",
	}
}

func TestFlowLogValidate(t *testing.T) {
	tests := []struct {
		desc   string
		change func(*FlowLog)
		field  string // "" = valid
	}{
		{"complete", func(*FlowLog) {}, ""},
		{"no prefix", func(f *FlowLog) { f.Prefix = "" }, ""},
		{"no datacenter or server", func(f *FlowLog) { f.DatacenterID, f.ServerID = "", "" }, ""},
		{"state set", func(f *FlowLog) { f.State = Busy }, ""},
		{"nat gateway", func(f *FlowLog) { f.ResourceType = NATGateway }, ""},
		{"empty name", func(f *FlowLog) { f.Name = "" }, "name"},
		{"empty type", func(f *FlowLog) { f.ResourceType = "" }, "type"},
		{"unstored type spelling", func(f *FlowLog) { f.ResourceType = "NIC" }, "type"},
		{"bad resource id", func(f *FlowLog) { f.ResourceID = "nope" }, "nic"},
		{"bad nlb id", func(f *FlowLog) { f.ResourceType, f.ResourceID = NLB, "" }, "nlb"},
		{"bad datacenter", func(f *FlowLog) { f.DatacenterID = "dc1" }, "datacenter"},
		{"bad server", func(f *FlowLog) { f.ServerID = "srv" }, "server"},
		{"lower-case direction", func(f *FlowLog) { f.Direction = "ingress" }, "direction"},
		{"no direction", func(f *FlowLog) { f.Direction = "" }, "direction"},
		{"record verdict as action", func(f *FlowLog) { f.Action = "ACCEPT" }, "action"},
		{"bad bucket", func(f *FlowLog) { f.Bucket = "B" }, "bucket"},
		{"slash in prefix", func(f *FlowLog) { f.Prefix = "a/b" }, "prefix"},
		{"bad state", func(f *FlowLog) { f.State = "ACTIVE" }, "state"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			f := validFlowLog()
			tt.change(&f)
			wantField(t, f.Validate(), tt.field)
		})
	}
}

func TestTarget(t *testing.T) {
	f := validFlowLog()
	if got := f.Target(); got != "my-logs/web" {
		t.Errorf("Target() = %q, want my-logs/web", got)
	}
	f.Prefix = ""
	if got := f.Target(); got != "my-logs" {
		t.Errorf("Target() = %q, want my-logs", got)
	}
	// Target must read back through ParseTarget.
	f.Prefix = "web"
	b, p, err := ParseTarget(f.Target())
	if err != nil || b != f.Bucket || p != f.Prefix {
		t.Errorf("ParseTarget(Target()) = %q, %q, %v", b, p, err)
	}
}

func TestObjectKey(t *testing.T) {
	ts := time.Unix(1629810635, 0)
	tests := []struct {
		prefix, name string
		t            time.Time
		want         string
	}{
		{"flowlogs", "webserver01", ts, "flowlogs/webserver01-1629810635.log.gz"},
		{"", "webserver01", ts, "webserver01-1629810635.log.gz"},
		{"", "web-ingress", ts.In(time.FixedZone("CEST", 7200)), "web-ingress-1629810635.log.gz"},
		{"p", "n", time.Unix(0, 0), "p/n-0.log.gz"},
		{"p", "n", time.Unix(5, 999_999_999), "p/n-5.log.gz"},
	}
	for _, tt := range tests {
		if got := ObjectKey(tt.prefix, tt.name, tt.t); got != tt.want {
			t.Errorf("ObjectKey(%q, %q, %v) = %q, want %q", tt.prefix, tt.name, tt.t, got, tt.want)
		}
		if got := ObjectKeyPrefix(tt.prefix, tt.name); !strings.HasPrefix(tt.want, got) {
			t.Errorf("ObjectKeyPrefix(%q, %q) = %q, not a prefix of %q", tt.prefix, tt.name, got, tt.want)
		}
	}
	if got := ObjectKeyPrefix("flowlogs", "web"); got != "flowlogs/web-" {
		t.Errorf("ObjectKeyPrefix = %q", got)
	}
	if got := ObjectKeyPrefix("", "web"); got != "web-" {
		t.Errorf("ObjectKeyPrefix = %q", got)
	}
}

func TestParseObjectKey(t *testing.T) {
	tests := []struct {
		key          string
		prefix, name string
		unix         int64
		ok           bool
	}{
		{"flowlogs/webserver01-1629810635.log.gz", "flowlogs", "webserver01", 1629810635, true},
		{"webserver01-1629810635.log.gz", "", "webserver01", 1629810635, true},
		{"web-ingress-1629810635.log.gz", "", "web-ingress", 1629810635, true},
		{"p/web-1-2-1629810635.log.gz", "p", "web-1-2", 1629810635, true},
		{"p/n-0.log.gz", "p", "n", 0, true},
		{"p/web ingress-1.log.gz", "p", "web ingress", 1, true},
		{"", "", "", 0, false},
		{".log.gz", "", "", 0, false},
		{"-1629810635.log.gz", "", "", 0, false},
		{"/web-1629810635.log.gz", "", "", 0, false},
		{"a/b/web-1629810635.log.gz", "", "", 0, false},
		{"web1629810635.log.gz", "", "", 0, false},
		{"web-.log.gz", "", "", 0, false},
		{"web-162981063x.log.gz", "", "", 0, false},
		{"web-+1629810635.log.gz", "", "", 0, false},
		// A name may end in '-'; the timestamp still follows the last one.
		{"web--1629810635.log.gz", "", "web-", 1629810635, true},
		{"web-01629810635.log.gz", "", "", 0, false},
		{"web-1629810635.log", "", "", 0, false},
		{"web-1629810635.log.gz.tmp", "", "", 0, false},
		{"web-1629810635.LOG.GZ", "", "", 0, false},
		{"web-99999999999999999999.log.gz", "", "", 0, false},
		{" web-1629810635.log.gz", "", "", 0, false},
		{"web%2F-1629810635.log.gz", "", "", 0, false},
		{"../web-1629810635.log.gz", "", "", 0, false},
		{"p\n/web-1629810635.log.gz", "", "", 0, false},
	}
	for _, tt := range tests {
		p, n, ts, ok := ParseObjectKey(tt.key)
		if ok != tt.ok {
			t.Errorf("ParseObjectKey(%q) ok = %v, want %v", tt.key, ok, tt.ok)
			continue
		}
		if !ok {
			if p != "" || n != "" || !ts.IsZero() {
				t.Errorf("ParseObjectKey(%q) returned values with ok=false: %q %q %v", tt.key, p, n, ts)
			}
			continue
		}
		if p != tt.prefix || n != tt.name || ts.Unix() != tt.unix || ts.Location() != time.UTC {
			t.Errorf("ParseObjectKey(%q) = %q, %q, %v, want %q, %q, %d UTC", tt.key, p, n, ts, tt.prefix, tt.name, tt.unix)
		}
	}
}

func FuzzParseObjectKey(f *testing.F) {
	f.Add("flowlogs", "webserver01", int64(1629810635), "flowlogs/webserver01-1629810635.log.gz")
	f.Add("", "web-ingress", int64(0), "web-ingress-1.log.gz")
	f.Add("p", "a-1", int64(99), "a/b/c-1.log.gz")
	f.Add("", "%2f", int64(-1), "web--1.log.gz")
	f.Fuzz(func(t *testing.T, prefix, name string, sec int64, key string) {
		// Any key: never panic, and whatever parses formats back to itself.
		if p, n, ts, ok := ParseObjectKey(key); ok {
			if back := ObjectKey(p, n, ts); back != key {
				t.Fatalf("ParseObjectKey(%q) = %q, %q, %v; ObjectKey gives %q", key, p, n, ts, back)
			}
		}

		// Valid inputs: ObjectKey then ParseObjectKey gives them back.
		if ValidateName(name) != nil || sec < 0 {
			return
		}
		if prefix != "" && ValidatePrefix(prefix) != nil {
			return
		}
		ts := time.Unix(sec, 0)
		k := ObjectKey(prefix, name, ts)
		p, n, got, ok := ParseObjectKey(k)
		if !ok || p != prefix || n != name || got.Unix() != sec {
			t.Fatalf("ParseObjectKey(ObjectKey(%q, %q, %d) = %q) = %q, %q, %d, %v", prefix, name, sec, k, p, n, got.Unix(), ok)
		}
		if !strings.HasPrefix(k, ObjectKeyPrefix(prefix, name)) {
			t.Fatalf("key %q does not start with ObjectKeyPrefix", k)
		}
	})
}
