package replace

import (
	"testing"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// TestCreateLine: the hint after a replace that lost the flow log is a
// command that parses back into the same settings.
func TestCreateLine(t *testing.T) {
	for _, tt := range []struct {
		fl   flowlog.FlowLog
		want string
	}{
		{flowlog.FlowLog{Name: "web", ResourceType: flowlog.NIC, ResourceID: "7ffd6527-ce80-4e57-a949-f9a45824ebe2",
			DatacenterID: "0c2b4d1e-8f7a-4f5e-9d3c-2b1a0f9e8d7c", ServerID: "5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
			Direction: flowlog.Ingress, Action: flowlog.Rejected, Bucket: "my-logs", Prefix: "web"},
			"flowlog create --nic 7ffd6527-ce80-4e57-a949-f9a45824ebe2 --datacenter-id 0c2b4d1e-8f7a-4f5e-9d3c-2b1a0f9e8d7c --server-id 5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e --bucket my-logs/web --name web --direction ingress --action rejected"},
		{flowlog.FlowLog{Name: "it's mine", ResourceType: flowlog.NATGateway, ResourceID: "0c2b4d1e-8f7a-4f5e-9d3c-2b1a0f9e8d7c",
			Direction: flowlog.Bidirectional, Action: flowlog.All, Bucket: "my-logs"},
			`flowlog create --natgateway 0c2b4d1e-8f7a-4f5e-9d3c-2b1a0f9e8d7c --bucket my-logs --name 'it'\''s mine' --direction bidirectional --action all`},
	} {
		if got := createLine(tt.fl); got != tt.want {
			t.Errorf("createLine:\n got %s\nwant %s", got, tt.want)
		}
	}
}
