package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	ionoscloud "github.com/ionos-cloud/sdk-go/v6"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/config"
	"github.com/flowlog/flowlog/internal/iostreams"
)

const (
	testToken    = "tok-9f2c41d7e0"
	testUser     = "ci-robot"
	testPassword = "pw-51be0c8a77"
)

// running is a 'flowlog serve' started by startServe.
type running struct {
	url    string // http://127.0.0.1:PORT
	dbPath string
	stop   func() (stdout, stderr string, err error)
}

// startServe runs the real command (flag parsing, settings, engine file,
// listener, graceful stop) in-process on a free loopback port.
func startServe(t *testing.T, auth config.ServeAuth, runningPolls int) *running {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	dbPath := filepath.Join(t.TempDir(), "flowlog.db")
	f := &cmdutil.Factory{IO: ios, Now: time.Now}
	f.Settings = func() (*config.Settings, error) {
		return &config.Settings{DBPath: dbPath, Serve: auth, Debug: true}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	cmd := NewCmdServe(f, func(o *Options) error {
		o.Ready = func(a net.Addr) { ready <- a }
		o.RunningPolls = runningPolls
		return serveRun(ctx, o)
	})
	cmd.SetArgs([]string{"--listen", "127.0.0.1:0"})
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve ended before listening: %v\n%s", err, errOut)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve did not listen within 30s")
	}
	stopped := false
	r := &running{url: "http://" + addr.String(), dbPath: dbPath}
	r.stop = func() (string, string, error) {
		if stopped {
			t.Fatal("stopped twice")
		}
		stopped = true
		cancel()
		err := <-done
		f.Close()
		return out.String(), errOut.String(), err
	}
	t.Cleanup(func() {
		if !stopped {
			r.stop()
		}
	})
	return r
}

// client is the official SDK pointed at the server, polling fast.
func (r *running) client(username, password, token string) *ionoscloud.APIClient {
	cfg := ionoscloud.NewConfiguration(username, password, token, r.url)
	cfg.PollInterval = 5 * time.Millisecond
	cfg.MaxRetries = 1
	return ionoscloud.NewAPIClient(cfg)
}

// strict decodes payload into v refusing any field the SDK's model does
// not have: the server must speak exactly the SDK's language.
func strict(t *testing.T, what string, payload []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Errorf("%s: response does not decode strictly into %T: %v\n%s", what, v, err, payload)
	}
}

// checkFlowLog checks every field the SDK's FlowLog model has is set, and
// that the properties are the ones wanted.
func checkFlowLog(t *testing.T, what string, fl ionoscloud.FlowLog, want ionoscloud.FlowLogProperties) {
	t.Helper()
	if fl.Id == nil || fl.Type == nil || *fl.Type != ionoscloud.FLOW_LOG || fl.Href == nil || !strings.HasSuffix(*fl.Href, "/flowlogs/"+*fl.Id) {
		t.Errorf("%s: id/type/href = %v/%v/%v", what, fl.Id, fl.Type, fl.Href)
	}
	md := fl.Metadata
	if md == nil || md.Etag == nil || md.CreatedDate == nil || md.CreatedBy == nil || md.CreatedByUserId == nil ||
		md.LastModifiedDate == nil || md.LastModifiedBy == nil || md.LastModifiedByUserId == nil ||
		md.State == nil || *md.State != ionoscloud.Available {
		t.Errorf("%s: metadata incomplete: %+v", what, md)
	} else if time.Since(md.CreatedDate.Time) > time.Hour || time.Until(md.CreatedDate.Time) > time.Minute {
		t.Errorf("%s: createdDate %v is not now", what, md.CreatedDate)
	}
	p := fl.Properties
	if p == nil || p.Name == nil || p.Action == nil || p.Direction == nil || p.Bucket == nil {
		t.Fatalf("%s: properties incomplete: %+v", what, p)
	}
	got := [4]string{*p.Name, *p.Action, *p.Direction, *p.Bucket}
	if w := [4]string{*want.Name, *want.Action, *want.Direction, *want.Bucket}; got != w {
		t.Errorf("%s: properties %q, want %q", what, got, w)
	}
}

// apiErr checks err is the SDK's error for status, with the envelope
// decoded into its Error model, and returns the message.
func apiErr(t *testing.T, what string, err error, resp *ionoscloud.APIResponse, status int) string {
	t.Helper()
	var oe ionoscloud.GenericOpenAPIError
	if !errors.As(err, &oe) {
		t.Fatalf("%s: error %v (%T), want the SDK's GenericOpenAPIError with %d", what, err, err, status)
	}
	if oe.StatusCode() != status {
		t.Fatalf("%s: status %d, want %d: %s", what, oe.StatusCode(), status, oe.Body())
	}
	m, ok := oe.Model().(ionoscloud.Error)
	if !ok || m.HttpStatus == nil || int(*m.HttpStatus) != status || m.Messages == nil || len(*m.Messages) != 1 {
		t.Fatalf("%s: envelope %+v does not say %d", what, oe.Model(), status)
	}
	msg := (*m.Messages)[0]
	if msg.ErrorCode == nil || *msg.ErrorCode == "" || msg.Message == nil || *msg.Message == "" {
		t.Fatalf("%s: envelope message incomplete: %+v", what, msg)
	}
	strict(t, what, oe.Body(), &ionoscloud.Error{})
	return *msg.Message
}

var locationRE = regexp.MustCompile(`^http://127\.0\.0\.1:\d+/cloudapi/v6/requests/([0-9a-f-]{36})/status$`)

// accepted checks a 202 with a Location to the request's status, waits for
// the request with the SDK's WaitForRequest, and returns the request id.
func accepted(t *testing.T, c *ionoscloud.APIClient, what string, resp *ionoscloud.APIResponse) string {
	t.Helper()
	if resp == nil || resp.Response == nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%s: response %+v, want 202", what, resp)
	}
	loc := resp.Header.Get("Location")
	m := locationRE.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("%s: Location %q, want .../cloudapi/v6/requests/ID/status", what, loc)
	}
	if _, err := c.WaitForRequest(context.Background(), loc); err != nil {
		t.Fatalf("%s: WaitForRequest: %v", what, err)
	}
	return m[1]
}

func props(name, action, direction, bucket string) ionoscloud.FlowLogProperties {
	return ionoscloud.FlowLogProperties{Name: &name, Action: &action, Direction: &direction, Bucket: &bucket}
}

const (
	dcID   = "1e072e52-2ed3-492f-b6b6-c6b116907521"
	srvID  = "2d8c1f3a-5b6e-4c7d-8e9f-0a1b2c3d4e5f"
	nicID  = "7ffd6527-ce80-4e57-a949-f9a45824ebe2"
	nic2ID = "8a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	nic3ID = "9a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	natID  = "0c2b4d1e-8f7a-4f5e-9d3c-2b1a0f9e8d7c"
	nlbID  = "4f3e2d1c-0b9a-4877-a665-544332211000"
	albID  = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
)

// kindOps are the SDK's calls for one kind of resource, so every test runs
// the same way over the four.
type kindOps struct {
	name   string
	create func(ctx context.Context, fl ionoscloud.FlowLog) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error)
	get    func(ctx context.Context, id string) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error)
	list   func(ctx context.Context, depth, offset, limit int32) (ionoscloud.FlowLogs, *ionoscloud.APIResponse, error)
	patch  func(ctx context.Context, id string, p ionoscloud.FlowLogProperties) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error)
	put    func(ctx context.Context, id string, p ionoscloud.FlowLogProperties) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error)
	del    func(ctx context.Context, id string) (*ionoscloud.APIResponse, error)
}

// paged is c sending offset and limit with every request.
func paged(c *ionoscloud.APIClient, offset, limit int32) *ionoscloud.APIClient {
	cfg := *c.GetConfig()
	cfg.DefaultQueryParams = url.Values{"offset": {fmt.Sprint(offset)}, "limit": {fmt.Sprint(limit)}}
	return ionoscloud.NewAPIClient(&cfg)
}

func opsFor(c *ionoscloud.APIClient) []kindOps {
	fa, na, nl, al := c.FlowLogsApi, c.NATGatewaysApi, c.NetworkLoadBalancersApi, c.ApplicationLoadBalancersApi
	return []kindOps{
		{
			name: "nic",
			create: func(ctx context.Context, fl ionoscloud.FlowLog) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return fa.DatacentersServersNicsFlowlogsPost(ctx, dcID, srvID, nicID).Flowlog(fl).Execute()
			},
			get: func(ctx context.Context, id string) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return fa.DatacentersServersNicsFlowlogsFindById(ctx, dcID, srvID, nicID, id).Execute()
			},
			list: func(ctx context.Context, depth, offset, limit int32) (ionoscloud.FlowLogs, *ionoscloud.APIResponse, error) {
				return fa.DatacentersServersNicsFlowlogsGet(ctx, dcID, srvID, nicID).Depth(depth).Offset(offset).Limit(limit).Execute()
			},
			patch: func(ctx context.Context, id string, p ionoscloud.FlowLogProperties) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return fa.DatacentersServersNicsFlowlogsPatch(ctx, dcID, srvID, nicID, id).Flowlog(p).Execute()
			},
			put: func(ctx context.Context, id string, p ionoscloud.FlowLogProperties) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return fa.DatacentersServersNicsFlowlogsPut(ctx, dcID, srvID, nicID, id).Flowlog(ionoscloud.FlowLogPut{Properties: &p}).Execute()
			},
			del: func(ctx context.Context, id string) (*ionoscloud.APIResponse, error) {
				return fa.DatacentersServersNicsFlowlogsDelete(ctx, dcID, srvID, nicID, id).Execute()
			},
		},
		{
			name: "natgateway",
			create: func(ctx context.Context, fl ionoscloud.FlowLog) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return na.DatacentersNatgatewaysFlowlogsPost(ctx, dcID, natID).NatGatewayFlowLog(fl).Execute()
			},
			get: func(ctx context.Context, id string) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return na.DatacentersNatgatewaysFlowlogsFindByFlowLogId(ctx, dcID, natID, id).Execute()
			},
			list: func(ctx context.Context, depth, offset, limit int32) (ionoscloud.FlowLogs, *ionoscloud.APIResponse, error) {
				return na.DatacentersNatgatewaysFlowlogsGet(ctx, dcID, natID).Depth(depth).Offset(offset).Limit(limit).Execute()
			},
			patch: func(ctx context.Context, id string, p ionoscloud.FlowLogProperties) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return na.DatacentersNatgatewaysFlowlogsPatch(ctx, dcID, natID, id).NatGatewayFlowLogProperties(p).Execute()
			},
			put: func(ctx context.Context, id string, p ionoscloud.FlowLogProperties) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return na.DatacentersNatgatewaysFlowlogsPut(ctx, dcID, natID, id).NatGatewayFlowLog(ionoscloud.FlowLogPut{Properties: &p}).Execute()
			},
			del: func(ctx context.Context, id string) (*ionoscloud.APIResponse, error) {
				return na.DatacentersNatgatewaysFlowlogsDelete(ctx, dcID, natID, id).Execute()
			},
		},
		{
			name: "nlb",
			create: func(ctx context.Context, fl ionoscloud.FlowLog) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return nl.DatacentersNetworkloadbalancersFlowlogsPost(ctx, dcID, nlbID).NetworkLoadBalancerFlowLog(fl).Execute()
			},
			get: func(ctx context.Context, id string) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return nl.DatacentersNetworkloadbalancersFlowlogsFindByFlowLogId(ctx, dcID, nlbID, id).Execute()
			},
			list: func(ctx context.Context, depth, offset, limit int32) (ionoscloud.FlowLogs, *ionoscloud.APIResponse, error) {
				// The SDK has no Offset and Limit here; they go in as default query parameters.
				return paged(c, offset, limit).NetworkLoadBalancersApi.DatacentersNetworkloadbalancersFlowlogsGet(ctx, dcID, nlbID).Depth(depth).Execute()
			},
			patch: func(ctx context.Context, id string, p ionoscloud.FlowLogProperties) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return nl.DatacentersNetworkloadbalancersFlowlogsPatch(ctx, dcID, nlbID, id).NetworkLoadBalancerFlowLogProperties(p).Execute()
			},
			put: func(ctx context.Context, id string, p ionoscloud.FlowLogProperties) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return nl.DatacentersNetworkloadbalancersFlowlogsPut(ctx, dcID, nlbID, id).NetworkLoadBalancerFlowLog(ionoscloud.FlowLogPut{Properties: &p}).Execute()
			},
			del: func(ctx context.Context, id string) (*ionoscloud.APIResponse, error) {
				return nl.DatacentersNetworkloadbalancersFlowlogsDelete(ctx, dcID, nlbID, id).Execute()
			},
		},
		{
			name: "alb",
			create: func(ctx context.Context, fl ionoscloud.FlowLog) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return al.DatacentersApplicationloadbalancersFlowlogsPost(ctx, dcID, albID).ApplicationLoadBalancerFlowLog(fl).Execute()
			},
			get: func(ctx context.Context, id string) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return al.DatacentersApplicationloadbalancersFlowlogsFindByFlowLogId(ctx, dcID, albID, id).Execute()
			},
			list: func(ctx context.Context, depth, offset, limit int32) (ionoscloud.FlowLogs, *ionoscloud.APIResponse, error) {
				return paged(c, offset, limit).ApplicationLoadBalancersApi.DatacentersApplicationloadbalancersFlowlogsGet(ctx, dcID, albID).Depth(depth).Execute()
			},
			patch: func(ctx context.Context, id string, p ionoscloud.FlowLogProperties) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return al.DatacentersApplicationloadbalancersFlowlogsPatch(ctx, dcID, albID, id).ApplicationLoadBalancerFlowLogProperties(p).Execute()
			},
			put: func(ctx context.Context, id string, p ionoscloud.FlowLogProperties) (ionoscloud.FlowLog, *ionoscloud.APIResponse, error) {
				return al.DatacentersApplicationloadbalancersFlowlogsPut(ctx, dcID, albID, id).ApplicationLoadBalancerFlowLog(ionoscloud.FlowLogPut{Properties: &p}).Execute()
			},
			del: func(ctx context.Context, id string) (*ionoscloud.APIResponse, error) {
				return al.DatacentersApplicationloadbalancersFlowlogsDelete(ctx, dcID, albID, id).Execute()
			},
		},
	}
}

// TestSDK drives 'flowlog serve' with the official Go SDK through the life
// of a flow log on each of the four kinds of resource.
func TestSDK(t *testing.T) {
	const polls = 2
	srv := startServe(t, config.ServeAuth{Token: testToken, Username: testUser, Password: testPassword}, polls)
	ctx := context.Background()
	c := srv.client("", "", testToken)
	var requestIDs []string

	for i, k := range opsFor(c) {
		t.Run(k.name, func(t *testing.T) {
			want := props("fl-"+k.name, []string{"ALL", "ACCEPTED", "REJECTED", "ALL"}[i],
				[]string{"INGRESS", "EGRESS", "BIDIRECTIONAL", "INGRESS"}[i], []string{"my-logs/web", "my-logs", "other-logs/lb", "other-logs/alb"}[i])

			created, resp, err := k.create(ctx, ionoscloud.FlowLog{Properties: &want})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			checkFlowLog(t, "create", created, want)
			strict(t, "create", resp.Payload, &ionoscloud.FlowLog{})
			reqID := accepted(t, c, "create", resp)
			requestIDs = append(requestIDs, reqID)
			id := *created.Id

			// The request's status and the request itself, as the SDK reads them.
			st, resp, err := c.RequestsApi.RequestsStatusGet(ctx, reqID).Execute()
			if err != nil || st.Metadata == nil || st.Metadata.Status == nil || *st.Metadata.Status != ionoscloud.RequestStatusDone ||
				st.Metadata.Targets == nil || len(*st.Metadata.Targets) != 1 || *(*st.Metadata.Targets)[0].Target.Id != id {
				t.Errorf("request status: %+v, %v", st, err)
			} else {
				strict(t, "request status", resp.Payload, &ionoscloud.RequestStatus{})
			}
			rq, resp, err := c.RequestsApi.RequestsFindById(ctx, reqID).Execute()
			if err != nil || rq.Properties == nil || rq.Properties.Method == nil || *rq.Properties.Method != http.MethodPost ||
				rq.Metadata == nil || rq.Metadata.RequestStatus == nil || rq.Metadata.CreatedDate == nil {
				t.Errorf("request: %+v, %v", rq, err)
			} else {
				strict(t, "request", resp.Payload, &ionoscloud.Request{})
			}

			got, resp, err := k.get(ctx, id)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			checkFlowLog(t, "get", got, want)
			strict(t, "get", resp.Payload, &ionoscloud.FlowLog{})
			if *got.Metadata.Etag != *created.Metadata.Etag || !got.Metadata.CreatedDate.Equal(created.Metadata.CreatedDate.Time) {
				t.Errorf("get: metadata %+v differs from create's %+v", got.Metadata, created.Metadata)
			}

			// Lists: references at depth 0 (the SDK's default), whole
			// flow logs at depth 1, pages by offset and limit.
			refs, _, err := k.list(ctx, 0, 0, 10)
			if err != nil || refs.Items == nil || len(*refs.Items) != 1 || *(*refs.Items)[0].Id != id || (*refs.Items)[0].Properties != nil {
				t.Errorf("list at depth 0: %+v, %v", refs, err)
			}
			full, resp, err := k.list(ctx, 1, 0, 1)
			if err != nil || full.Items == nil || len(*full.Items) != 1 {
				t.Fatalf("list at depth 1: %+v, %v", full, err)
			}
			checkFlowLog(t, "list item", (*full.Items)[0], want)
			strict(t, "list", resp.Payload, &ionoscloud.FlowLogs{})
			if full.Type == nil || *full.Type != ionoscloud.COLLECTION || full.Id == nil || full.Href == nil ||
				full.Offset == nil || *full.Offset != 0 || full.Limit == nil || *full.Limit != 1 || full.Links == nil || full.Links.Self == nil {
				t.Errorf("list: collection fields %+v", full)
			}
			past, _, err := k.list(ctx, 1, 1, 1)
			if err != nil || past.Items == nil || len(*past.Items) != 0 || *past.Offset != 1 || past.Links.Prev == nil {
				t.Errorf("list past the end: %+v, %v", past, err)
			}

			// A second flow log on the resource: 422 in the envelope.
			second := props("other-"+k.name, "ALL", "INGRESS", "my-logs/second")
			_, resp, err = k.create(ctx, ionoscloud.FlowLog{Properties: &second})
			if msg := apiErr(t, "second create", err, resp, http.StatusUnprocessableEntity); !strings.Contains(msg, "already exists") {
				t.Errorf("second create: message %q", msg)
			}

			// Changes are refused; a PATCH or PUT that changes nothing is not a change.
			egress := "EGRESS"
			if *want.Direction == egress {
				egress = "INGRESS"
			}
			_, resp, err = k.patch(ctx, id, ionoscloud.FlowLogProperties{Direction: &egress})
			if msg := apiErr(t, "patch", err, resp, http.StatusUnprocessableEntity); !strings.Contains(msg, "cannot be altered") || !strings.Contains(msg, "direction") {
				t.Errorf("patch: message %q", msg)
			}
			changed := want
			otherBucket := "changed-logs"
			changed.Bucket = &otherBucket
			_, resp, err = k.put(ctx, id, changed)
			if msg := apiErr(t, "put", err, resp, http.StatusUnprocessableEntity); !strings.Contains(msg, "bucket") {
				t.Errorf("put: message %q", msg)
			}
			same, resp, err := k.patch(ctx, id, ionoscloud.FlowLogProperties{Name: want.Name})
			if err != nil {
				t.Fatalf("patch changing nothing: %v", err)
			}
			checkFlowLog(t, "patch changing nothing", same, want)
			accepted(t, c, "patch changing nothing", resp)

			// An enum value the API does not have: 400 naming it.
			bad := props("bad-"+k.name, "SOME", "INGRESS", "my-logs")
			_, resp, err = k.put(ctx, id, bad)
			if msg := apiErr(t, "bad action", err, resp, http.StatusBadRequest); !strings.Contains(msg, "properties.action") {
				t.Errorf("bad action: message %q", msg)
			}

			// Unknown ids: 404.
			_, resp, err = k.get(ctx, "00000000-0000-4000-8000-000000000000")
			apiErr(t, "get unknown", err, resp, http.StatusNotFound)
			resp, err = k.del(ctx, "00000000-0000-4000-8000-000000000000")
			apiErr(t, "delete unknown", err, resp, http.StatusNotFound)

			// Delete: 202 with a request, then the flow log is gone and
			// the resource takes a new one.
			resp, err = k.del(ctx, id)
			if err != nil {
				t.Fatalf("delete: %v", err)
			}
			accepted(t, c, "delete", resp)
			_, resp, err = k.get(ctx, id)
			apiErr(t, "get deleted", err, resp, http.StatusNotFound)
			again, resp, err := k.create(ctx, ionoscloud.FlowLog{Properties: &second})
			if err != nil {
				t.Fatalf("create after delete: %v", err)
			}
			checkFlowLog(t, "create after delete", again, second)
			accepted(t, c, "create after delete", resp)
		})
	}

	// HTTP Basic works as well as the token; wrong credentials are 401.
	basic := srv.client(testUser, testPassword, "")
	if _, _, err := opsFor(basic)[0].list(ctx, 1, 0, 10); err != nil {
		t.Errorf("list with Basic credentials: %v", err)
	}
	for _, bad := range []*ionoscloud.APIClient{srv.client("", "", "wrong"), srv.client(testUser, "wrong", ""), srv.client("", "", "")} {
		_, resp, err := opsFor(bad)[0].list(ctx, 1, 0, 10)
		apiErr(t, "bad credentials", err, resp, http.StatusUnauthorized)
	}

	// The walk a client makes to find flow logs: NICs of a server, paged.
	for _, nic := range []string{nic2ID, nic3ID} {
		p := props("walk-"+nic[:8], "ALL", "INGRESS", "my-logs")
		if _, _, err := c.FlowLogsApi.DatacentersServersNicsFlowlogsPost(ctx, dcID, srvID, nic).Flowlog(ionoscloud.FlowLog{Properties: &p}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	nics, resp, err := c.NetworkInterfacesApi.DatacentersServersNicsGet(ctx, dcID, srvID).Depth(3).Execute()
	if err != nil || nics.Items == nil || len(*nics.Items) != 3 {
		t.Fatalf("nics: %+v, %v", nics, err)
	}
	strict(t, "nics", resp.Payload, &ionoscloud.Nics{})
	for _, n := range *nics.Items {
		if n.Entities == nil || n.Entities.Flowlogs == nil || len(*n.Entities.Flowlogs.Items) != 1 || (*n.Entities.Flowlogs.Items)[0].Properties == nil {
			t.Errorf("nic %s at depth 3: flow logs %+v", *n.Id, n.Entities)
		}
	}
	page, _, err := c.NetworkInterfacesApi.DatacentersServersNicsGet(ctx, dcID, srvID).Depth(1).Offset(1).Limit(1).Execute()
	if err != nil || page.Items == nil || len(*page.Items) != 1 || *(*page.Items)[0].Id != *(*nics.Items)[1].Id ||
		page.Links == nil || page.Links.Next == nil || page.Links.Prev == nil {
		t.Errorf("nics offset 1 limit 1: %+v, %v", page, err)
	}
	dcs, resp, err := c.DataCentersApi.DatacentersGet(ctx).Depth(2).Execute()
	if err != nil || dcs.Items == nil || len(*dcs.Items) != 1 || *(*dcs.Items)[0].Id != dcID {
		t.Fatalf("datacenters: %+v, %v", dcs, err)
	}
	strict(t, "datacenters", resp.Payload, &ionoscloud.Datacenters{})
	albs, resp, err := c.ApplicationLoadBalancersApi.DatacentersApplicationloadbalancersGet(ctx, dcID).Depth(1).Execute()
	if err != nil || albs.Items == nil || len(*albs.Items) != 1 || *(*albs.Items)[0].Id != albID {
		t.Errorf("application load balancers: %+v, %v", albs, err)
	} else {
		strict(t, "application load balancers", resp.Payload, &ionoscloud.ApplicationLoadBalancers{})
	}

	stdout, stderr, err := srv.stop()
	if err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr)
	}
	// WaitForRequest polled: the first request's status was read until
	// it was DONE, and once more by RequestsStatusGet.
	if n := strings.Count(stdout, "\"GET /cloudapi/v6/requests/"+requestIDs[0]+"/status"); n != polls+2 {
		t.Errorf("status of the first request read %d times, want %d\n%s", n, polls+2, stdout)
	}
	// The access log: one combined-format line per request.
	line := regexp.MustCompile(`^127\.0\.0\.1 - (-|` + testUser + `) \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "[A-Z]+ /cloudapi/v6/\S* HTTP/1\.1" \d{3} (\d+|-) "-" "[^"]*"$`)
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if !line.MatchString(l) {
			t.Errorf("access log line not in the combined format: %q", l)
			break
		}
	}
	for _, secret := range []string{testToken, testPassword, "d3JvbmcK"} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("output shows a secret %q", secret)
		}
	}
	if !strings.Contains(stderr, "auth=basic (the user name or password is not the one configured) -> 401") {
		t.Errorf("--debug does not say why a request was refused:\n%s", stderr)
	}
	if !strings.Contains(stderr, "flowlog serve: stopped") {
		t.Errorf("no clean stop:\n%s", stderr)
	}
}

// TestConcurrentCreatesOverHTTP is the race of 16 clients creating a flow
// log on one NIC at once: exactly one is accepted, the others get 422.
func TestConcurrentCreatesOverHTTP(t *testing.T) {
	srv := startServe(t, config.ServeAuth{Token: testToken}, 0)
	const clients = 16
	codes := make([]int, clients)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clients {
		c := srv.client("", "", testToken)
		wg.Go(func() {
			p := props(fmt.Sprintf("racer-%02d", i), "ALL", "INGRESS", "my-logs")
			<-start
			_, resp, err := c.FlowLogsApi.DatacentersServersNicsFlowlogsPost(context.Background(), dcID, srvID, nicID).Flowlog(ionoscloud.FlowLog{Properties: &p}).Execute()
			var oe ionoscloud.GenericOpenAPIError
			switch {
			case err == nil:
				codes[i] = resp.StatusCode
			case errors.As(err, &oe):
				codes[i] = oe.StatusCode()
			default:
				t.Errorf("client %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[http.StatusAccepted] != 1 || count[http.StatusUnprocessableEntity] != clients-1 {
		t.Errorf("answers by status: %v; want one 202 and %d 422", count, clients-1)
	}
	list, _, err := srv.client("", "", testToken).FlowLogsApi.DatacentersServersNicsFlowlogsGet(context.Background(), dcID, srvID, nicID).Depth(1).Execute()
	if err != nil || list.Items == nil || len(*list.Items) != 1 {
		t.Errorf("after the race: %+v, %v", list, err)
	}
}
