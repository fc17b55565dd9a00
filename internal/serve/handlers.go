package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
)

// maxBody is the largest request body read; a flow log is a few hundred
// bytes.
const maxBody = 1 << 20

// baseURL is where this request reached the API, for hrefs and Location.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + BasePath
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	rt, herr := parseRoute(r.URL.Path)
	if herr != nil {
		writeError(w, r, herr)
		return
	}
	if allowed := methods[rt.level]; !slices.Contains(allowed, r.Method) {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, r, apiError(http.StatusMethodNotAllowed, "%s is not allowed on %s: use %s", r.Method, r.URL.Path, strings.Join(allowed, ", ")))
		return
	}
	p, herr := parseParams(r.URL.Query())
	if herr != nil {
		writeError(w, r, herr)
		return
	}
	switch {
	case rt.level == lvRequestStatus || rt.level == lvRequest:
		herr = s.getRequest(w, r, rt)
	case rt.level == lvFlowLogs && r.Method == http.MethodPost:
		herr = s.createFlowLog(w, r, rt, p)
	case rt.level == lvFlowLog && (r.Method == http.MethodPut || r.Method == http.MethodPatch):
		herr = s.changeFlowLog(w, r, rt, p)
	case rt.level == lvFlowLog && r.Method == http.MethodDelete:
		herr = s.deleteFlowLog(w, r, rt)
	default:
		herr = s.get(w, r, rt, p)
	}
	if herr != nil {
		writeError(w, r, herr)
	}
}

// snapshot lists every flow log and builds the tree of the API's paths.
func (s *Server) snapshot(ctx context.Context, r *http.Request) (*tree, *httpError) {
	logs, err := s.e.List(ctx, engine.ListFilter{})
	if err != nil {
		return nil, s.internal(err)
	}
	return s.buildTree(baseURL(r), logs), nil
}

// get answers every GET below /datacenters.
func (s *Server) get(w http.ResponseWriter, r *http.Request, rt route, p params) *httpError {
	t, herr := s.snapshot(r.Context(), r)
	if herr != nil {
		return herr
	}
	var coll *entity
	var item *node
	switch rt.level {
	case lvDatacenters:
		coll = t.root
	case lvDatacenter:
		item = t.datacenter(rt.dc, s.started, false)
	case lvServers:
		coll = t.entity(t.datacenter(rt.dc, s.started, false), "servers")
	case lvServer:
		item = t.server(rt.dc, rt.server, s.started, false)
	case lvResources:
		if rt.kind == flowlog.NIC {
			coll = t.entity(t.server(rt.dc, rt.server, s.started, false), "nics")
		} else {
			coll = t.entity(t.datacenter(rt.dc, s.started, false), kinds[rt.kind].segment)
		}
	case lvResource:
		item = t.resource(rt, s.started, false)
	case lvFlowLogs:
		coll = t.entity(t.resource(rt, s.started, false), "flowlogs")
	case lvFlowLog:
		var herr *httpError
		item, herr = t.entity(t.resource(rt, s.started, false), "flowlogs").find(rt.flowLog, "flow log")
		if herr != nil {
			return herr
		}
	}
	if item != nil {
		writeJSON(w, r, http.StatusOK, item.render(p.depth))
		return nil
	}
	c, herr := coll.page(p)
	if herr != nil {
		return herr
	}
	writeJSON(w, r, http.StatusOK, c)
	return nil
}

// createFlowLog is POST .../flowlogs: the flow log in the body on the
// resource of the path, which (with its data center and server) exists
// from then on.
func (s *Server) createFlowLog(w http.ResponseWriter, r *http.Request, rt route, p params) *httpError {
	var body flowLogBody
	raw, herr := decodeBody(r, &body)
	if herr != nil {
		return herr
	}
	if body.Properties == nil {
		return apiError(http.StatusUnprocessableEntity, "properties: required")
	}
	want, herr := body.Properties.check(true)
	if herr != nil {
		return herr
	}
	f := flowlog.FlowLog{
		Name: want.name, ResourceType: rt.kind, ResourceID: rt.resource, DatacenterID: rt.dc,
		Direction: want.direction, Action: want.action, Bucket: want.bucket, Prefix: want.prefix,
	}
	if rt.kind == flowlog.NIC {
		f.ServerID = rt.server
	}
	created, err := s.e.Create(r.Context(), f)
	if err != nil {
		return s.engineError(err)
	}
	t := s.buildTree(baseURL(r), []flowlog.FlowLog{created})
	n := t.flowLog(rt, created)
	s.accepted(w, r, raw, n.res)
	writeJSON(w, r, http.StatusAccepted, n.render(p.depth))
	return nil
}

// changeFlowLog is PUT and PATCH on a flow log. Flow logs cannot be
// altered, so only a request that changes nothing is accepted (202, the
// flow log as it is); any change is a 422 naming what would change.
func (s *Server) changeFlowLog(w http.ResponseWriter, r *http.Request, rt route, p params) *httpError {
	var props *flowLogProperties
	var raw []byte
	var herr *httpError
	if r.Method == http.MethodPut {
		var body flowLogBody
		raw, herr = decodeBody(r, &body)
		if herr == nil && body.Properties == nil {
			herr = apiError(http.StatusUnprocessableEntity, "properties: required")
		}
		props = body.Properties
	} else {
		props = &flowLogProperties{}
		raw, herr = decodeBody(r, props)
	}
	if herr != nil {
		return herr
	}
	want, herr := props.check(r.Method == http.MethodPut)
	if herr != nil {
		return herr
	}
	n, f, herr := s.findFlowLog(r, rt)
	if herr != nil {
		return herr
	}
	var changes []string
	change := func(prop string, set bool, to, from string) {
		if set && to != from {
			changes = append(changes, fmt.Sprintf("%s from %q to %q", prop, from, to))
		}
	}
	change("name", props.Name != nil, want.name, f.Name)
	change("action", props.Action != nil, string(want.action), string(f.Action))
	change("direction", props.Direction != nil, string(want.direction), string(f.Direction))
	change("bucket", props.Bucket != nil, flowlog.FlowLog{Bucket: want.bucket, Prefix: want.prefix}.Target(), f.Target())
	if len(changes) > 0 {
		return apiError(http.StatusUnprocessableEntity,
			"flow log %s cannot be altered (it would change %s): delete it and create it again", f.ID, strings.Join(changes, ", "))
	}
	s.accepted(w, r, raw, n.res)
	writeJSON(w, r, http.StatusAccepted, n.render(p.depth))
	return nil
}

// deleteFlowLog is DELETE on a flow log: 202 and no body.
func (s *Server) deleteFlowLog(w http.ResponseWriter, r *http.Request, rt route) *httpError {
	n, f, herr := s.findFlowLog(r, rt)
	if herr != nil {
		return herr
	}
	if err := s.e.Delete(r.Context(), f.ID); err != nil {
		return s.engineError(err)
	}
	s.accepted(w, r, nil, n.res)
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// findFlowLog finds the flow log rt names, under the resource rt names.
func (s *Server) findFlowLog(r *http.Request, rt route) (*node, flowlog.FlowLog, *httpError) {
	notFound := apiError(http.StatusNotFound, "flow log %s not found", rt.flowLog)
	f, err := s.e.Get(r.Context(), rt.flowLog)
	if errors.Is(err, engine.ErrNotFound) {
		return nil, f, notFound
	}
	if err != nil {
		return nil, f, s.internal(err)
	}
	if f.ID != rt.flowLog || !rt.holds(f) {
		return nil, f, notFound
	}
	t := s.buildTree(baseURL(r), []flowlog.FlowLog{f})
	return t.flowLog(rt, f), f, nil
}

// wanted is a flow log's properties once checked.
type wanted struct {
	name           string
	action         flowlog.Action
	direction      flowlog.Direction
	bucket, prefix string
}

// check validates the properties given; all four are required when all is
// true (POST and PUT). An enum outside its values is a 400, as the API
// answers; a missing or invalid value a 422.
func (p *flowLogProperties) check(all bool) (wanted, *httpError) {
	var w wanted
	if all {
		for _, req := range []struct {
			name string
			v    *string
		}{{"name", p.Name}, {"action", p.Action}, {"direction", p.Direction}, {"bucket", p.Bucket}} {
			if req.v == nil {
				return w, apiError(http.StatusUnprocessableEntity, "properties.%s: required", req.name)
			}
		}
	}
	if p.Action != nil {
		switch a := flowlog.Action(*p.Action); a {
		case flowlog.Accepted, flowlog.Rejected, flowlog.All:
			w.action = a
		default:
			return w, apiError(http.StatusBadRequest, "properties.action: %q is not one of ACCEPTED, REJECTED, ALL", *p.Action)
		}
	}
	if p.Direction != nil {
		switch d := flowlog.Direction(*p.Direction); d {
		case flowlog.Ingress, flowlog.Egress, flowlog.Bidirectional:
			w.direction = d
		default:
			return w, apiError(http.StatusBadRequest, "properties.direction: %q is not one of INGRESS, EGRESS, BIDIRECTIONAL", *p.Direction)
		}
	}
	if p.Name != nil {
		if err := flowlog.ValidateName(*p.Name); err != nil {
			return w, apiError(http.StatusUnprocessableEntity, "properties.name: %v", err)
		}
		w.name = *p.Name
	}
	if p.Bucket != nil {
		b, pre, err := flowlog.ParseTarget(*p.Bucket)
		if err != nil {
			return w, apiError(http.StatusUnprocessableEntity, "properties.bucket: %v", err)
		}
		w.bucket, w.prefix = b, pre
	}
	return w, nil
}

// decodeBody reads one JSON value into v. Malformed JSON, a value of the
// wrong type, or anything after the value is a 400 naming where.
func decodeBody(r *http.Request, v any) ([]byte, *httpError) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, apiError(http.StatusBadRequest, "read request body: %v", err)
	}
	if len(raw) > maxBody {
		return nil, apiError(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", maxBody)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, apiError(http.StatusBadRequest, "request body: empty, want a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, apiError(http.StatusBadRequest, "malformed JSON at byte %d: %v", syn.Offset, syn)
		case errors.As(err, &typ) && typ.Field != "":
			return nil, apiError(http.StatusBadRequest, "%s: want %s, got JSON %s", typ.Field, typ.Type, typ.Value)
		case errors.As(err, &typ):
			return nil, apiError(http.StatusBadRequest, "request body: want a JSON object, got JSON %s", typ.Value)
		default:
			return nil, apiError(http.StatusBadRequest, "malformed JSON: %v", err)
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, apiError(http.StatusBadRequest, "malformed JSON: more after the first value at byte %d", dec.InputOffset())
	}
	return raw, nil
}

// engineError maps an engine error to the API's answer.
func (s *Server) engineError(err error) *httpError {
	var rule *engine.RuleError
	var invalid *flowlog.ValidationError
	switch {
	case errors.As(err, &rule):
		// The engine's advice names CLI commands; an API client gets its own.
		advice := map[string]string{
			engine.RuleOnePerResource: "a resource has at most one flow log: delete it before creating another",
			engine.RuleTargetClash:    "flow logs writing to the same bucket and prefix need different names",
			engine.RuleImmutable:      "delete the flow log and create it again",
		}[rule.Rule]
		return apiError(http.StatusUnprocessableEntity, "%s; %s", rule.Msg, advice)
	case errors.As(err, &invalid):
		return apiError(http.StatusUnprocessableEntity, "%v", err)
	case errors.Is(err, engine.ErrNotFound):
		return apiError(http.StatusNotFound, "%v", err)
	}
	return s.internal(err)
}

// internal is a 500 whose details go to the error log, not to the client.
func (s *Server) internal(err error) *httpError {
	id := uuid.NewString()
	if s.opts.ErrorLog != nil {
		fmt.Fprintf(s.opts.ErrorLog, "flowlog serve: error %s: %v\n", id, err)
	}
	return apiError(http.StatusInternalServerError, "internal error %s: see the server's log", id)
}
