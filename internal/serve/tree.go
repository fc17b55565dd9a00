package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// timeFormat is how the API writes times.
const timeFormat = "2006-01-02T15:04:05Z"

// metadataKeys are the metadata names filters and orderBy may use.
var metadataKeys = []string{"etag", "createdDate", "createdBy", "createdByUserId",
	"lastModifiedDate", "lastModifiedBy", "lastModifiedByUserId", "state"}

// flowLogKeys are the names filters and orderBy may use on flow logs.
var flowLogKeys = append([]string{"name", "action", "direction", "bucket"}, metadataKeys...)

// node is a resource of the tree the API paths walk: a data center, a
// server, a NIC, a NAT gateway, a load balancer or a flow log.
type node struct {
	listed
	entities []*entity
}

// entity is a collection below a node: its servers, NICs, flow logs...
type entity struct {
	name  string // the key under "entities" and the path segment
	id    string
	href  string
	known []string // the names its items' filters may use
	items []*node
}

// tree is every resource the flow logs in the engine name, built per
// request from one listing, so a response is one consistent snapshot.
type tree struct {
	s    *Server
	base string // scheme://host/cloudapi/v6

	root  *entity          // the data centers
	nodes map[string]*node // by path below base
	ents  map[string]*entity
}

// buildTree makes the tree of the flow logs that have a place in the API:
// a data center, and a server for a NIC. Listings are in the order the
// engine lists flow logs (oldest first), so a resource appears where its
// oldest flow log does, and its createdDate is that flow log's.
func (s *Server) buildTree(base string, logs []flowlog.FlowLog) *tree {
	t := &tree{s: s, base: base, nodes: map[string]*node{}, ents: map[string]*entity{}}
	t.root = &entity{name: "datacenters", id: "datacenters", href: base + "/datacenters", known: t.known("datacenter")}
	for _, f := range logs {
		if f.DatacenterID == "" || (f.ResourceType == flowlog.NIC && f.ServerID == "") {
			continue // created by the CLI without its place: no path reaches it
		}
		rt := route{dc: f.DatacenterID, server: f.ServerID, kind: f.ResourceType, resource: f.ResourceID}
		res := t.resource(rt, f.CreatedAt, true)
		fl := t.entity(res, "flowlogs")
		fl.items = append(fl.items, t.flowLog(rt, f))
	}
	return t
}

// known lists the names filters may use on items of type typ.
func (t *tree) known(typ string) []string {
	if typ == "flow-log" {
		return flowLogKeys
	}
	props := placeholderProperties(typ, "00000000")
	keys := make([]string, 0, len(props)+len(metadataKeys))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return append(keys, metadataKeys...)
}

// datacenter returns the node of data center dc. A data center no flow log
// names is made on the spot, and listed only when list is true.
func (t *tree) datacenter(dc string, created time.Time, list bool) *node {
	return t.node(t.root, "/datacenters/"+dc, dc, "datacenter", created, list)
}

func (t *tree) server(dc, server string, created time.Time, list bool) *node {
	parent := t.entity(t.datacenter(dc, created, list), "servers")
	return t.node(parent, "/datacenters/"+dc+"/servers/"+server, server, "server", created, list)
}

// resource returns the node of the NIC, NAT gateway or load balancer rt
// names, with its parents.
func (t *tree) resource(rt route, created time.Time, list bool) *node {
	var parent *entity
	if rt.kind == flowlog.NIC {
		parent = t.entity(t.server(rt.dc, rt.server, created, list), "nics")
	} else {
		parent = t.entity(t.datacenter(rt.dc, created, list), kinds[rt.kind].segment)
	}
	return t.node(parent, rt.resourcePath(), rt.resource, kinds[rt.kind].apiType, created, list)
}

func (t *tree) node(parent *entity, path, id, typ string, created time.Time, list bool) *node {
	if n, ok := t.nodes[path]; ok {
		return n
	}
	md := t.s.metadata(typ+"/"+id, created)
	props := placeholderProperties(typ, id[:8])
	n := &node{listed: listed{
		res:    resource{ID: id, Type: typ, Href: t.base + path, Metadata: &md, Properties: props},
		fields: fields(props, md),
	}}
	t.nodes[path] = n
	if list {
		parent.items = append(parent.items, n)
	}
	return n
}

// entity returns the collection name below n, making it empty if need be.
// Which collections a resource has follows the official SDK's models
// (an application load balancer's entities hold no flow logs).
func (t *tree) entity(n *node, name string) *entity {
	key := n.res.Href + "/" + name
	if e, ok := t.ents[key]; ok {
		return e
	}
	typ := map[string]string{"servers": "server", "nics": "nic", "flowlogs": "flow-log",
		"natgateways": "natgateway", "networkloadbalancers": "networkloadbalancer",
		"applicationloadbalancers": "applicationloadbalancer"}[name]
	e := &entity{name: name, id: n.res.ID + "/" + name, href: key, known: t.known(typ)}
	t.ents[key] = e
	if !(n.res.Type == "applicationloadbalancer" && name == "flowlogs") &&
		!(n.res.Type == "datacenter" && name == "applicationloadbalancers") {
		n.entities = append(n.entities, e)
	}
	return e
}

// flowLog is the node of flow log f under the resource rt names.
func (t *tree) flowLog(rt route, f flowlog.FlowLog) *node {
	md := t.s.metadata(f.ID+"|"+f.Name+"|"+string(f.Direction)+"|"+string(f.Action)+"|"+f.Target(), f.CreatedAt)
	md.State = string(f.State)
	name, action, direction, bucket := f.Name, string(f.Action), string(f.Direction), f.Target()
	props := &flowLogProperties{Name: &name, Action: &action, Direction: &direction, Bucket: &bucket}
	return &node{listed: listed{
		res: resource{ID: f.ID, Type: "flow-log", Href: t.base + rt.resourcePath() + "/flowlogs/" + f.ID,
			Metadata: &md, Properties: props},
		fields: fields(map[string]any{"name": name, "action": action, "direction": direction, "bucket": bucket}, md),
	}}
}

// metadata is the metadata of a resource created at created. Nothing here
// is ever modified, so the last modification is the creation, and the
// etag, a hash of what the resource is, never changes.
func (s *Server) metadata(identity string, created time.Time) metadata {
	sum := sha256.Sum256([]byte(identity))
	when := created.UTC().Format(timeFormat)
	return metadata{
		Etag:        hex.EncodeToString(sum[:16]),
		CreatedDate: when, CreatedBy: s.user, CreatedByUserID: s.userID,
		LastModifiedDate: when, LastModifiedBy: s.user, LastModifiedByUserID: s.userID,
		State: string(flowlog.Available),
	}
}

// placeholderProperties are the properties of a resource this server knows
// only by its id: a name from the id, and what the SDK's models require.
func placeholderProperties(typ, short string) map[string]any {
	name := typ + "-" + short
	switch typ {
	case "datacenter":
		return map[string]any{"name": name, "location": "de/fra"}
	case "nic":
		return map[string]any{"name": name, "lan": 1}
	case "natgateway":
		return map[string]any{"name": name, "publicIps": []string{}}
	case "networkloadbalancer", "applicationloadbalancer":
		return map[string]any{"name": name, "listenerLan": 1, "targetLan": 2}
	}
	return map[string]any{"name": name}
}

func fields(props map[string]any, md metadata) map[string]string {
	f := map[string]string{
		"etag": md.Etag, "createdDate": md.CreatedDate, "createdBy": md.CreatedBy, "createdByUserId": md.CreatedByUserID,
		"lastModifiedDate": md.LastModifiedDate, "lastModifiedBy": md.LastModifiedBy,
		"lastModifiedByUserId": md.LastModifiedByUserID, "state": md.State,
	}
	for k, v := range props {
		switch v := v.(type) {
		case string:
			f[k] = v
		case int:
			f[k] = fmt.Sprintf("%010d", v) // sorts as a number
		default:
			f[k] = ""
		}
	}
	return f
}

// render is n at depth: its properties and metadata, and with depth >= 1
// its entities, each a collection at depth-1.
func (n *node) render(depth int) resource {
	r := n.res
	if depth >= 1 && len(n.entities) > 0 {
		r.Entities = map[string]*collection{}
		for _, e := range n.entities {
			r.Entities[e.name] = e.render(depth - 1)
		}
	}
	return r
}

// render is e at depth, as an entity (no paging): references to its items
// at depth 0, else the items at depth-1.
func (e *entity) render(depth int) *collection {
	c := &collection{ID: e.id, Type: "collection", Href: e.href, Items: []resource{}}
	for _, it := range e.items {
		c.Items = append(c.Items, it.renderIn(depth))
	}
	return c
}

// renderIn is n as an item of a collection rendered at depth.
func (n *node) renderIn(depth int) resource {
	if depth == 0 {
		return resource{ID: n.res.ID, Type: n.res.Type, Href: n.res.Href}
	}
	return n.render(depth - 1)
}

// page is e as the collection a GET asked for: filtered, ordered and paged
// by p, at p.depth.
func (e *entity) page(p params) (*collection, *httpError) {
	items := make([]listed, len(e.items))
	// page works on copies of listed; each node is found again by id.
	byID := make(map[string]*node, len(e.items))
	for i, n := range e.items {
		items[i] = n.listed
		byID[n.res.ID] = n
	}
	return p.page(items, e.known, e.id, e.href, func(l listed) resource {
		return byID[l.res.ID].renderIn(p.depth)
	})
}

// find returns the item of e with id, or a 404.
func (e *entity) find(id, what string) (*node, *httpError) {
	for _, n := range e.items {
		if n.res.ID == id {
			return n, nil
		}
	}
	return nil, apiError(http.StatusNotFound, "%s %s not found", what, id)
}
