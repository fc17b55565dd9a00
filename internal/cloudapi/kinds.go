package cloudapi

import (
	"context"

	ionoscloud "github.com/ionos-cloud/sdk-go/v6"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// location is where a resource, and so its flow logs, sits in the Cloud
// API: its data center, its server (NICs only) and its own ID.
type location struct {
	typ          flowlog.ResourceType
	datacenterID string
	serverID     string // NICs only
	resourceID   string
}

// kind is one resource type's flow log endpoints, as sdk-go calls them.
// Each call takes a location; list takes an offset and a limit, which some
// endpoints ignore (no paging in the SDK).
type kind struct {
	noun   string // for messages: "NIC", "NAT gateway"
	post   func(ctx context.Context, c *ionoscloud.APIClient, l location, body ionoscloud.FlowLog) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error)
	find   func(ctx context.Context, c *ionoscloud.APIClient, l location, id string) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error)
	delete func(ctx context.Context, c *ionoscloud.APIClient, l location, id string) (*ionoscloud.APIResponse, error)
	list   func(ctx context.Context, c *ionoscloud.APIClient, l location, offset, limit int32) (ionoscloud.FlowLogs, *ionoscloud.APIResponse, error)
}

var kinds = map[flowlog.ResourceType]kind{
	flowlog.NIC: {
		noun: "NIC",
		post: func(ctx context.Context, c *ionoscloud.APIClient, l location, body ionoscloud.FlowLog) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
			return c.FlowLogsApi.DatacentersServersNicsFlowlogsPost(ctx, l.datacenterID, l.serverID, l.resourceID).Flowlog(body).Execute()
		},
		find: func(ctx context.Context, c *ionoscloud.APIClient, l location, id string) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
			return c.FlowLogsApi.DatacentersServersNicsFlowlogsFindById(ctx, l.datacenterID, l.serverID, l.resourceID, id).Depth(1).Execute()
		},
		delete: func(ctx context.Context, c *ionoscloud.APIClient, l location, id string) (*ionoscloud.APIResponse, error) {
			return c.FlowLogsApi.DatacentersServersNicsFlowlogsDelete(ctx, l.datacenterID, l.serverID, l.resourceID, id).Execute()
		},
		list: func(ctx context.Context, c *ionoscloud.APIClient, l location, offset, limit int32) (ionoscloud.FlowLogs, *ionoscloud.APIResponse, error) {
			return c.FlowLogsApi.DatacentersServersNicsFlowlogsGet(ctx, l.datacenterID, l.serverID, l.resourceID).Depth(1).Offset(offset).Limit(limit).Execute()
		},
	},
	flowlog.NATGateway: {
		noun: "NAT gateway",
		post: func(ctx context.Context, c *ionoscloud.APIClient, l location, body ionoscloud.FlowLog) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
			return c.NATGatewaysApi.DatacentersNatgatewaysFlowlogsPost(ctx, l.datacenterID, l.resourceID).NatGatewayFlowLog(body).Execute()
		},
		find: func(ctx context.Context, c *ionoscloud.APIClient, l location, id string) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
			return c.NATGatewaysApi.DatacentersNatgatewaysFlowlogsFindByFlowLogId(ctx, l.datacenterID, l.resourceID, id).Depth(1).Execute()
		},
		delete: func(ctx context.Context, c *ionoscloud.APIClient, l location, id string) (*ionoscloud.APIResponse, error) {
			return c.NATGatewaysApi.DatacentersNatgatewaysFlowlogsDelete(ctx, l.datacenterID, l.resourceID, id).Execute()
		},
		list: func(ctx context.Context, c *ionoscloud.APIClient, l location, offset, limit int32) (ionoscloud.FlowLogs, *ionoscloud.APIResponse, error) {
			return c.NATGatewaysApi.DatacentersNatgatewaysFlowlogsGet(ctx, l.datacenterID, l.resourceID).Depth(1).Offset(offset).Limit(limit).Execute()
		},
	},
	flowlog.NLB: {
		noun: "network load balancer",
		post: func(ctx context.Context, c *ionoscloud.APIClient, l location, body ionoscloud.FlowLog) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
			return c.NetworkLoadBalancersApi.DatacentersNetworkloadbalancersFlowlogsPost(ctx, l.datacenterID, l.resourceID).NetworkLoadBalancerFlowLog(body).Execute()
		},
		find: func(ctx context.Context, c *ionoscloud.APIClient, l location, id string) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
			return c.NetworkLoadBalancersApi.DatacentersNetworkloadbalancersFlowlogsFindByFlowLogId(ctx, l.datacenterID, l.resourceID, id).Depth(1).Execute()
		},
		delete: func(ctx context.Context, c *ionoscloud.APIClient, l location, id string) (*ionoscloud.APIResponse, error) {
			return c.NetworkLoadBalancersApi.DatacentersNetworkloadbalancersFlowlogsDelete(ctx, l.datacenterID, l.resourceID, id).Execute()
		},
		list: func(ctx context.Context, c *ionoscloud.APIClient, l location, offset, limit int32) (ionoscloud.FlowLogs, *ionoscloud.APIResponse, error) {
			return c.NetworkLoadBalancersApi.DatacentersNetworkloadbalancersFlowlogsGet(ctx, l.datacenterID, l.resourceID).Depth(1).Execute()
		},
	},
	flowlog.ALB: {
		noun: "application load balancer",
		post: func(ctx context.Context, c *ionoscloud.APIClient, l location, body ionoscloud.FlowLog) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
			return c.ApplicationLoadBalancersApi.DatacentersApplicationloadbalancersFlowlogsPost(ctx, l.datacenterID, l.resourceID).ApplicationLoadBalancerFlowLog(body).Execute()
		},
		find: func(ctx context.Context, c *ionoscloud.APIClient, l location, id string) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
			return c.ApplicationLoadBalancersApi.DatacentersApplicationloadbalancersFlowlogsFindByFlowLogId(ctx, l.datacenterID, l.resourceID, id).Depth(1).Execute()
		},
		delete: func(ctx context.Context, c *ionoscloud.APIClient, l location, id string) (*ionoscloud.APIResponse, error) {
			return c.ApplicationLoadBalancersApi.DatacentersApplicationloadbalancersFlowlogsDelete(ctx, l.datacenterID, l.resourceID, id).Execute()
		},
		list: func(ctx context.Context, c *ionoscloud.APIClient, l location, offset, limit int32) (ionoscloud.FlowLogs, *ionoscloud.APIResponse, error) {
			return c.ApplicationLoadBalancersApi.DatacentersApplicationloadbalancersFlowlogsGet(ctx, l.datacenterID, l.resourceID).Depth(1).Execute()
		},
	},
}
