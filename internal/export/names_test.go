package export

import (
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
)

func TestObjectName(t *testing.T) {
	tests := []struct {
		key  string
		name string
		t    string // RFC 3339, "" when the key names no flow log
	}{
		{"web/web01-1795564800.log.gz", "web01", "2026-11-25T00:00:00Z"},
		{"logs/web01-1795564800.log", "web01", "2026-11-25T00:00:00Z"},
		{"AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/24/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f67890_20261124T1340Z_fe123456.log.gz",
			"fl-0a1b2c3d4e5f67890", "2026-11-24T13:40:00Z"},
		{"123456789012_vpcflowlogs_eu-central-1_fl-1234abcd_20261124T2355Z_0f9e8d7c.log", "fl-1234abcd", "2026-11-24T23:55:00Z"},
		{"flows.log", "", ""},
		{"web01-1795564800.txt.gz", "", ""},
		{"web01.log.gz", "", ""},
		{"123456789012_vpcflowlogs_us-east-1_eni-1234_20261124T1340Z_fe12.log.gz", "", ""},         // not a flow log id
		{"123456789012_vpcflowlogs_us-east-1_fl-1234_20261324T1340Z_fe12.log.gz", "", ""},          // month 13
		{"123456789012_vpcflowlogs_us-east-1_fl-1234_20261124T1340_fe12.log.gz", "", ""},           // no Z
		{"123456789012_elasticloadbalancing_us-east-1_fl-1234_20261124T1340Z_fe12.log.gz", "", ""}, // another service
		{"123456789012_vpcflowlogs_us-east-1_fl-1234_20261124T1340Z.log.gz", "", ""},               // no hash
	}
	for _, tt := range tests {
		name, at, ok := objectName(tt.key)
		if tt.t == "" {
			if ok {
				t.Errorf("objectName(%q) = %q, %v; want none", tt.key, name, at)
			}
			continue
		}
		want, _ := time.Parse(time.RFC3339, tt.t)
		if !ok || name != tt.name || !at.Equal(want) {
			t.Errorf("objectName(%q) = %q, %v, %v; want %q, %v", tt.key, name, at, ok, tt.name, want)
		}
	}
}

// FuzzObjectName: a name found is a valid flow log name that the key
// holds, and an AWS key's time formats back to the key's own text.
func FuzzObjectName(f *testing.F) {
	f.Add("web/web01-1795564800.log.gz")
	f.Add("web01-1795564800.log")
	f.Add("123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d_20261124T1340Z_fe123456.log.gz")
	f.Add("1_vpcflowlogs_r_fl-x_00010101T0000Z_h.log")
	f.Fuzz(func(t *testing.T, key string) {
		name, at, ok := objectName(key)
		if !ok {
			return
		}
		if err := flowlog.ValidateName(name); err != nil {
			t.Fatalf("objectName(%q) = invalid name %q: %v", key, name, err)
		}
		if !strings.Contains(key, name) {
			t.Fatalf("objectName(%q) = %q, not in the key", key, name)
		}
		if _, _, ok := awsObjectName(key[strings.LastIndexByte(key, '/')+1:]); ok && !strings.Contains(key, "_"+at.Format(awsTimeLayout)+"_") {
			t.Fatalf("objectName(%q): time %v is not the key's", key, at)
		}
	})
}
