package cloudapi

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	ionoscloud "github.com/ionos-cloud/sdk-go/v6"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// pageLimit is the page size asked for; the API's default and most
// collections' usual size.
const pageLimit = 1000

// found is what a walk found: every resource that can carry a flow log,
// and the flow logs.
type found struct {
	mu        sync.Mutex
	resources []location
	logs      []flowlog.FlowLog
}

func (f *found) resource(l location) {
	f.mu.Lock()
	f.resources = append(f.resources, l)
	f.mu.Unlock()
}

func (f *found) flowLogs(l location, items []ionoscloud.FlowLog) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, it := range items {
		f.logs = append(f.logs, fromAPI(it, l))
	}
}

// walker walks data centers with a bounded number of requests in flight.
// Each level asks for the levels below it with depth, so one request per
// data center and resource type usually brings every flow log; where an
// answer lacks the level below (a server that does not expand depth, or
// application load balancers, whose entities have no flow logs), it asks
// for that collection itself.
type walker struct {
	r     *Registry
	slots chan struct{}
	types map[flowlog.ResourceType]bool // nil: all
	out   found

	// requests counts the answers, for the status line.
	requests atomic.Int64
	// about names the walk on the status line; "" while there is none.
	about string

	wg      sync.WaitGroup
	errOnce sync.Once
	err     error
	cancel  context.CancelFunc
}

// walk finds the resources of the given types (all when none) and their
// flow logs, in the data center datacenterID or, when it is "", in every
// data center the credentials can see.
func (r *Registry) walk(ctx context.Context, datacenterID string, types ...flowlog.ResourceType) (*found, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &walker{r: r, slots: make(chan struct{}, r.cfg.Parallel), cancel: cancel}
	if len(types) > 0 {
		w.types = map[flowlog.ResourceType]bool{}
		for _, t := range types {
			w.types[t] = true
		}
	}
	var dcs []string
	if datacenterID != "" {
		// One request proves the data center is there (a 404 otherwise).
		err := w.call(ctx, func() error {
			_, resp, err := r.api.DataCentersApi.DatacentersFindById(ctx, datacenterID).Depth(0).Execute()
			if err != nil {
				return r.fail("find data center "+datacenterID, resp, err)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		dcs = []string{datacenterID}
	} else {
		err := pages(ctx, w, "list data centers", func(offset, limit int32) (*[]ionoscloud.Datacenter, *ionoscloud.PaginationLinks, *ionoscloud.APIResponse, error) {
			list, resp, err := r.api.DataCentersApi.DatacentersGet(ctx).Depth(0).Offset(offset).Limit(limit).Execute()
			return list.Items, list.Links, resp, err
		}, func(items []ionoscloud.Datacenter) {
			for _, dc := range items {
				dcs = append(dcs, ptr(dc.Id))
			}
		})
		if err != nil {
			return nil, err
		}
	}
	if r.cfg.Progress != nil {
		w.about = fmt.Sprintf("the flow logs of %d data centers", len(dcs))
		if len(dcs) == 1 {
			w.about = "the flow logs of data center " + dcs[0]
		}
		defer r.cfg.Progress("")
	}
	for _, dc := range dcs {
		if w.wants(flowlog.NIC) {
			w.go_(func() error { return w.servers(ctx, dc) })
		}
		if w.wants(flowlog.NATGateway) {
			w.go_(func() error { return w.natGateways(ctx, dc) })
		}
		if w.wants(flowlog.NLB) {
			w.go_(func() error { return w.networkLoadBalancers(ctx, dc) })
		}
		if w.wants(flowlog.ALB) {
			w.go_(func() error { return w.applicationLoadBalancers(ctx, dc) })
		}
	}
	w.wg.Wait()
	if w.err != nil {
		return nil, w.err
	}
	return &w.out, nil
}

func (w *walker) wants(t flowlog.ResourceType) bool { return w.types == nil || w.types[t] }

// go_ runs fn in its own goroutine; the first error cancels the rest.
func (w *walker) go_(fn func() error) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if err := fn(); err != nil {
			w.errOnce.Do(func() {
				w.err = err
				w.cancel()
			})
		}
	}()
}

// call runs one request in one of the slots.
func (w *walker) call(ctx context.Context, fn func() error) error {
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-w.slots }()
	err := fn()
	if n := w.requests.Add(1); w.about != "" {
		w.r.cfg.Progress(fmt.Sprintf("%s: %d requests", w.about, n))
	}
	return err
}

// pages fetches every page of a collection: while a page is full and the
// API says there is a next one.
func pages[T any](ctx context.Context, w *walker, op string,
	fetch func(offset, limit int32) (*[]T, *ionoscloud.PaginationLinks, *ionoscloud.APIResponse, error),
	use func([]T)) error {
	for offset := int32(0); ; {
		var items *[]T
		var links *ionoscloud.PaginationLinks
		err := w.call(ctx, func() error {
			var resp *ionoscloud.APIResponse
			var err error
			items, links, resp, err = fetch(offset, pageLimit)
			if err != nil {
				return w.r.fail(op, resp, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if items == nil {
			return nil
		}
		use(*items)
		if len(*items) < pageLimit || (links != nil && links.Next == nil) {
			return nil
		}
		offset += int32(len(*items))
	}
}

// flowLogs collects the flow logs of one resource: those its answer held,
// when it held them with their properties, else from their collection.
func (w *walker) flowLogs(ctx context.Context, l location, given *ionoscloud.FlowLogs) error {
	w.out.resource(l)
	if given != nil && given.Items != nil && complete(*given.Items) {
		w.out.flowLogs(l, *given.Items)
		return nil
	}
	k := kinds[l.typ]
	return pages(ctx, w, fmt.Sprintf("list flow logs of %s %s", k.noun, l.resourceID), func(offset, limit int32) (*[]ionoscloud.FlowLog, *ionoscloud.PaginationLinks, *ionoscloud.APIResponse, error) {
		list, resp, err := k.list(ctx, w.r.api, l, offset, limit)
		return list.Items, list.Links, resp, err
	}, func(items []ionoscloud.FlowLog) { w.out.flowLogs(l, items) })
}

// complete reports whether every flow log came with its properties, as a
// deep enough depth brings them.
func complete(items []ionoscloud.FlowLog) bool {
	for _, it := range items {
		if it.Id == nil || it.Properties == nil {
			return false
		}
	}
	return true
}

// servers walks a data center's servers, their NICs and the NICs' flow
// logs: depth 5 reaches the flow logs' properties.
func (w *walker) servers(ctx context.Context, dc string) error {
	return pages(ctx, w, "list servers of data center "+dc, func(offset, limit int32) (*[]ionoscloud.Server, *ionoscloud.PaginationLinks, *ionoscloud.APIResponse, error) {
		list, resp, err := w.r.api.ServersApi.DatacentersServersGet(ctx, dc).Depth(5).Offset(offset).Limit(limit).Execute()
		return list.Items, list.Links, resp, err
	}, func(servers []ionoscloud.Server) {
		for _, s := range servers {
			serverID := ptr(s.Id)
			var nics *ionoscloud.Nics
			if s.Entities != nil {
				nics = s.Entities.Nics
			}
			w.go_(func() error { return w.nics(ctx, dc, serverID, nics) })
		}
	})
}

func (w *walker) nics(ctx context.Context, dc, serverID string, given *ionoscloud.Nics) error {
	use := func(nics []ionoscloud.Nic) {
		for _, n := range nics {
			l := location{typ: flowlog.NIC, datacenterID: dc, serverID: serverID, resourceID: ptr(n.Id)}
			var logs *ionoscloud.FlowLogs
			if n.Entities != nil {
				logs = n.Entities.Flowlogs
			}
			w.go_(func() error { return w.flowLogs(ctx, l, logs) })
		}
	}
	if given != nil && given.Items != nil {
		use(*given.Items)
		return nil
	}
	return pages(ctx, w, "list NICs of server "+serverID, func(offset, limit int32) (*[]ionoscloud.Nic, *ionoscloud.PaginationLinks, *ionoscloud.APIResponse, error) {
		list, resp, err := w.r.api.NetworkInterfacesApi.DatacentersServersNicsGet(ctx, dc, serverID).Depth(3).Offset(offset).Limit(limit).Execute()
		return list.Items, list.Links, resp, err
	}, use)
}

// natGateways: depth 3 reaches the flow logs' properties.
func (w *walker) natGateways(ctx context.Context, dc string) error {
	return pages(ctx, w, "list NAT gateways of data center "+dc, func(offset, limit int32) (*[]ionoscloud.NatGateway, *ionoscloud.PaginationLinks, *ionoscloud.APIResponse, error) {
		// The SDK pages no NAT gateways: one answer holds them all.
		list, resp, err := w.r.api.NATGatewaysApi.DatacentersNatgatewaysGet(ctx, dc).Depth(3).Execute()
		return list.Items, &ionoscloud.PaginationLinks{}, resp, err
	}, func(gws []ionoscloud.NatGateway) {
		for _, g := range gws {
			l := location{typ: flowlog.NATGateway, datacenterID: dc, resourceID: ptr(g.Id)}
			var logs *ionoscloud.FlowLogs
			if g.Entities != nil {
				logs = g.Entities.Flowlogs
			}
			w.go_(func() error { return w.flowLogs(ctx, l, logs) })
		}
	})
}

func (w *walker) networkLoadBalancers(ctx context.Context, dc string) error {
	return pages(ctx, w, "list network load balancers of data center "+dc, func(offset, limit int32) (*[]ionoscloud.NetworkLoadBalancer, *ionoscloud.PaginationLinks, *ionoscloud.APIResponse, error) {
		list, resp, err := w.r.api.NetworkLoadBalancersApi.DatacentersNetworkloadbalancersGet(ctx, dc).Depth(3).Offset(offset).Limit(limit).Execute()
		return list.Items, list.Links, resp, err
	}, func(lbs []ionoscloud.NetworkLoadBalancer) {
		for _, lb := range lbs {
			l := location{typ: flowlog.NLB, datacenterID: dc, resourceID: ptr(lb.Id)}
			var logs *ionoscloud.FlowLogs
			if lb.Entities != nil {
				logs = lb.Entities.Flowlogs
			}
			w.go_(func() error { return w.flowLogs(ctx, l, logs) })
		}
	})
}

// applicationLoadBalancers: their entities hold no flow logs in the SDK's
// model, so each one's collection is asked for.
func (w *walker) applicationLoadBalancers(ctx context.Context, dc string) error {
	return pages(ctx, w, "list application load balancers of data center "+dc, func(offset, limit int32) (*[]ionoscloud.ApplicationLoadBalancer, *ionoscloud.PaginationLinks, *ionoscloud.APIResponse, error) {
		list, resp, err := w.r.api.ApplicationLoadBalancersApi.DatacentersApplicationloadbalancersGet(ctx, dc).Depth(0).Offset(offset).Limit(limit).Execute()
		return list.Items, list.Links, resp, err
	}, func(lbs []ionoscloud.ApplicationLoadBalancer) {
		for _, lb := range lbs {
			l := location{typ: flowlog.ALB, datacenterID: dc, resourceID: ptr(lb.Id)}
			w.go_(func() error { return w.flowLogs(ctx, l, nil) })
		}
	})
}
