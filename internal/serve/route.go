package serve

import (
	"net/http"
	"strings"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// level is which node of the API's tree a path names.
type level int

const (
	lvDatacenters level = iota
	lvDatacenter
	lvServers
	lvServer
	lvResources // the NICs of a server, or the NAT gateways, NLBs or ALBs of a data center
	lvResource
	lvFlowLogs
	lvFlowLog
	lvRequestStatus
	lvRequest
)

// route is a parsed path. IDs are lower case.
type route struct {
	level    level
	dc       string
	server   string
	kind     flowlog.ResourceType // set from lvResources down
	resource string
	flowLog  string
	request  string
}

// kindInfo is how the API names each kind of resource: the path segment of
// its collection and the "type" of its items.
type kindInfo struct {
	segment string
	apiType string
}

var kinds = map[flowlog.ResourceType]kindInfo{
	flowlog.NIC:        {"nics", "nic"},
	flowlog.NATGateway: {"natgateways", "natgateway"},
	flowlog.NLB:        {"networkloadbalancers", "networkloadbalancer"},
	flowlog.ALB:        {"applicationloadbalancers", "applicationloadbalancer"},
}

// dcKinds are the kinds that belong to a data center directly, in the order
// listings show them.
var dcKinds = []flowlog.ResourceType{flowlog.NATGateway, flowlog.NLB, flowlog.ALB}

// parseRoute maps a path below BasePath to a route, or says why not: 404
// for what does not exist (including ids that are not UUIDs).
func parseRoute(path string) (route, *httpError) {
	rest, ok := strings.CutPrefix(path, BasePath)
	if !ok || (rest != "" && rest[0] != '/') {
		return route{}, apiError(http.StatusNotFound, "no resource at %s: the API is under %s", path, BasePath)
	}
	seg := strings.Split(strings.Trim(rest, "/"), "/")
	notFound := apiError(http.StatusNotFound, "no resource at %s", path)
	var rt route
	id := func(i int, what string, dst *string) *httpError {
		if flowlog.ValidateResourceID(what, seg[i]) != nil {
			return apiError(http.StatusNotFound, "%s %q not found: not a UUID", what, seg[i])
		}
		*dst = strings.ToLower(seg[i])
		return nil
	}
	switch {
	case len(seg) >= 2 && seg[0] == "requests":
		if err := id(1, "request", &rt.request); err != nil {
			return rt, err
		}
		switch {
		case len(seg) == 2:
			rt.level = lvRequest
		case len(seg) == 3 && seg[2] == "status":
			rt.level = lvRequestStatus
		default:
			return rt, notFound
		}
		return rt, nil
	case len(seg) == 0 || seg[0] != "datacenters":
		return rt, notFound
	}
	// datacenters[/{dc}[/...]]
	rt.level = lvDatacenters
	if len(seg) == 1 {
		return rt, nil
	}
	if err := id(1, "datacenter", &rt.dc); err != nil {
		return rt, err
	}
	rt.level = lvDatacenter
	if len(seg) == 2 {
		return rt, nil
	}
	i := 2
	if seg[i] == "servers" {
		rt.level = lvServers
		if len(seg) == 3 {
			return rt, nil
		}
		if err := id(3, "server", &rt.server); err != nil {
			return rt, err
		}
		rt.level = lvServer
		if len(seg) == 4 {
			return rt, nil
		}
		if seg[4] != "nics" {
			return rt, notFound
		}
		rt.kind = flowlog.NIC
		i = 4
	} else {
		for _, k := range dcKinds {
			if seg[i] == kinds[k].segment {
				rt.kind = k
			}
		}
		if rt.kind == "" {
			return rt, notFound
		}
	}
	// seg[i] is the kind's collection.
	rt.level = lvResources
	if len(seg) == i+1 {
		return rt, nil
	}
	if err := id(i+1, kinds[rt.kind].apiType, &rt.resource); err != nil {
		return rt, err
	}
	rt.level = lvResource
	if len(seg) == i+2 {
		return rt, nil
	}
	if seg[i+2] != "flowlogs" {
		return rt, notFound
	}
	rt.level = lvFlowLogs
	if len(seg) == i+3 {
		return rt, nil
	}
	if err := id(i+3, "flow log", &rt.flowLog); err != nil {
		return rt, err
	}
	rt.level = lvFlowLog
	if len(seg) == i+4 {
		return rt, nil
	}
	return rt, notFound
}

// resourcePath is the path of the resource a route names, below BasePath.
func (rt route) resourcePath() string {
	if rt.kind == flowlog.NIC {
		return "/datacenters/" + rt.dc + "/servers/" + rt.server + "/nics/" + rt.resource
	}
	return "/datacenters/" + rt.dc + "/" + kinds[rt.kind].segment + "/" + rt.resource
}

// holds reports whether flow log f is under the resource rt names: the
// same kind and id, in the same data center (and server, for a NIC).
func (rt route) holds(f flowlog.FlowLog) bool {
	if f.ResourceType != rt.kind || f.ResourceID != rt.resource || f.DatacenterID != rt.dc {
		return false
	}
	return rt.kind != flowlog.NIC || f.ServerID == rt.server
}

// methods are the methods each level answers.
var methods = map[level][]string{
	lvDatacenters:   {http.MethodGet},
	lvDatacenter:    {http.MethodGet},
	lvServers:       {http.MethodGet},
	lvServer:        {http.MethodGet},
	lvResources:     {http.MethodGet},
	lvResource:      {http.MethodGet},
	lvFlowLogs:      {http.MethodGet, http.MethodPost},
	lvFlowLog:       {http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete},
	lvRequestStatus: {http.MethodGet},
	lvRequest:       {http.MethodGet},
}
