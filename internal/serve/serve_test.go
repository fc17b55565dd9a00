package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
)

const (
	token = "test-token-5d1e"
	dc    = "1e072e52-2ed3-492f-b6b6-c6b116907521"
	srv   = "2d8c1f3a-5b6e-4c7d-8e9f-0a1b2c3d4e5f"
	nic   = "7ffd6527-ce80-4e57-a949-f9a45824ebe2"
	nat   = "0c2b4d1e-8f7a-4f5e-9d3c-2b1a0f9e8d7c"
)

func newServer(t testing.TB) (*Server, *engine.Engine) {
	t.Helper()
	e, err := engine.Open(context.Background(), filepath.Join(t.TempDir(), "flowlog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	s, err := New(e, Options{Credentials: Credentials{Token: token, Username: "u", Password: "p"}})
	if err != nil {
		t.Fatal(err)
	}
	return s, e
}

// do sends one request with the token and returns the status and body.
func do(t testing.TB, h http.Handler, method, target, body string) (int, string, http.Header) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.String(), w.Header()
}

func TestNewRefuses(t *testing.T) {
	if _, err := New(nil, Options{}); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("no credentials: %v, want ErrNoCredentials", err)
	}
	if _, err := New(nil, Options{Credentials: Credentials{Username: "u"}}); err == nil {
		t.Error("a user name without a password was accepted")
	}
}

const nicPath = BasePath + "/datacenters/" + dc + "/servers/" + srv + "/nics/" + nic + "/flowlogs"

func TestRequests(t *testing.T) {
	s, e := newServer(t)
	code, body, hdr := do(t, s, "POST", nicPath, `{"properties":{"name":"web","action":"ALL","direction":"INGRESS","bucket":"my-logs/web"}}`)
	if code != http.StatusAccepted || hdr.Get("Location") == "" {
		t.Fatalf("create: %d %s", code, body)
	}
	var created resource
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}
	// A flow log the CLI made with its place, and one without.
	if _, err := e.Create(context.Background(), flowlog.FlowLog{Name: "nat", ResourceType: flowlog.NATGateway, ResourceID: nat,
		DatacenterID: dc, Direction: flowlog.Egress, Action: flowlog.Rejected, Bucket: "other-logs"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Create(context.Background(), flowlog.FlowLog{Name: "placeless", ResourceType: flowlog.NLB,
		ResourceID: "4f3e2d1c-0b9a-4877-a665-544332211000", Direction: flowlog.Egress, Action: flowlog.Rejected, Bucket: "other-logs"}); err != nil {
		t.Fatal(err)
	}
	natPath := BasePath + "/datacenters/" + dc + "/natgateways/" + nat + "/flowlogs"
	item := nicPath + "/" + created.ID

	tests := []struct {
		name, method, target, body string
		code                       int
		want                       string // a substring of the body
	}{
		{"list at depth 1", "GET", nicPath + "?depth=1", "", 200, `"name": "web"`},
		{"list at depth 0 has references", "GET", nicPath, "", 200, `"href": "http://example.com/cloudapi/v6/datacenters/` + dc},
		{"compact", "GET", nicPath + "?pretty=false", "", 200, `{"id":"` + nic + `/flowlogs","type":"collection"`},
		{"no base path", "GET", item[len(BasePath):], "", 404, `"httpStatus": 404`},
		{"upper-case ids", "GET", strings.NewReplacer(dc, strings.ToUpper(dc), created.ID, strings.ToUpper(created.ID)).Replace(item), "", 200, `"id": "` + created.ID},
		{"made by the CLI, with its place", "GET", natPath + "?depth=1", "", 200, `"bucket": "other-logs"`},
		{"made by the CLI without a place is not listed", "GET", BasePath + "/datacenters/" + dc + "/networkloadbalancers?depth=1", "", 200, `"items": []`},
		{"data center entities", "GET", BasePath + "/datacenters/" + dc + "?depth=1", "", 200, `"natgateways": {`},
		{"an unnamed data center exists, empty", "GET", BasePath + "/datacenters/00000000-0000-4000-8000-000000000001/servers", "", 200, `"items": []`},
		{"filter", "GET", nicPath + "?depth=1&filter.name=WE", "", 200, `"name": "web"`},
		{"filter that matches nothing", "GET", nicPath + "?depth=1&filter.bucket=nope", "", 200, `"items": []`},
		{"filter on no such property", "GET", nicPath + "?filter.colour=red", "", 400, "filter.colour: no such property"},
		{"order-by", "GET", nicPath + "?order-by=name", "", 200, `"items": [`},
		{"orderBy on no such property", "GET", nicPath + "?orderBy=colour", "", 400, `orderBy=\"colour\"`},
		{"depth too deep", "GET", nicPath + "?depth=11", "", 400, "depth"},
		{"limit zero", "GET", nicPath + "?limit=0", "", 400, "limit"},
		{"offset not a number", "GET", nicPath + "?offset=x", "", 400, "offset"},
		{"pretty not a bool", "GET", nicPath + "?pretty=maybe", "", 400, "pretty"},
		{"unknown parameter ignored", "GET", nicPath + "?colour=red", "", 200, `"type": "collection"`},
		{"not a UUID", "GET", BasePath + "/datacenters/abc", "", 404, `datacenter \"abc\" not found`},
		{"no such collection", "GET", BasePath + "/datacenters/" + dc + "/volumes", "", 404, "no resource"},
		{"outside the base", "GET", "/v5/datacenters", "", 404, "/cloudapi/v6"},
		{"the flow log under another NIC", "GET", strings.Replace(item, nic, "00000000-0000-4000-8000-000000000002", 1), "", 404, "flow log " + created.ID + " not found"},
		{"POST on an item", "POST", item, "{}", 405, "use GET, PUT, PATCH, DELETE"},
		{"DELETE on a collection", "DELETE", nicPath, "", 405, "use GET, POST"},
		{"malformed JSON", "POST", natPath, `{"properties":`, 400, "malformed JSON"},
		{"more after the value", "POST", natPath, `{"properties":{}} {}`, 400, "more after the first value"},
		{"wrong type", "POST", natPath, `{"properties":{"name":["a"]}}`, 400, "properties.name"},
		{"not an object", "POST", natPath, `[1]`, 400, "want a JSON object"},
		{"empty body", "POST", natPath, ``, 400, "empty"},
		{"no properties", "POST", natPath, `{}`, 422, "properties: required"},
		{"missing property", "POST", natPath, `{"properties":{"name":"x","action":"ALL","direction":"INGRESS"}}`, 422, "properties.bucket: required"},
		{"bad direction", "POST", natPath, `{"properties":{"name":"x","action":"ALL","direction":"in","bucket":"b-1"}}`, 400, "properties.direction"},
		{"bad bucket", "POST", natPath, `{"properties":{"name":"x","action":"ALL","direction":"INGRESS","bucket":"B"}}`, 422, "properties.bucket"},
		{"slash in name", "POST", natPath, `{"properties":{"name":"a/b","action":"ALL","direction":"INGRESS","bucket":"my-logs"}}`, 422, "properties.name"},
		{"second flow log", "POST", natPath, `{"properties":{"name":"x","action":"ALL","direction":"INGRESS","bucket":"my-logs"}}`, 422, "already exists"},
		{"same objects as another", "POST", BasePath + "/datacenters/" + dc + "/applicationloadbalancers/5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d/flowlogs",
			`{"properties":{"name":"web","action":"ALL","direction":"INGRESS","bucket":"my-logs/web"}}`, 422, "already writes objects"},
		{"patch a change", "PATCH", item, `{"action":"REJECTED"}`, 422, `action from \"ALL\" to \"REJECTED\"`},
		{"patch nothing", "PATCH", item, `{}`, 202, `"name": "web"`},
		{"put without properties", "PUT", item, `{"id":"x"}`, 422, "properties: required"},
		{"put the same", "PUT", item, `{"properties":{"name":"web","action":"ALL","direction":"INGRESS","bucket":"my-logs/web"}}`, 202, `"name": "web"`},
		{"unknown request", "GET", BasePath + "/requests/00000000-0000-4000-8000-000000000003/status", "", 404, "request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, hdr := do(t, s, tt.method, tt.target, tt.body)
			if code != tt.code || !strings.Contains(body, tt.want) {
				t.Errorf("%s %s: %d\n%s\nwant %d with %s", tt.method, tt.target, code, body, tt.code, tt.want)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if code >= 400 {
				var env errorBody
				if err := json.Unmarshal([]byte(body), &env); err != nil || env.HTTPStatus != code || len(env.Messages) != 1 || env.Messages[0].ErrorCode == "" {
					t.Errorf("not the error envelope: %s", body)
				}
			}
		})
	}
	if got, _ := e.List(context.Background(), engine.ListFilter{}); len(got) != 3 {
		t.Errorf("%d flow logs after the refusals, want 3", len(got))
	}
}

func TestAuth(t *testing.T) {
	s, _ := newServer(t)
	for _, tt := range []struct {
		name, header string
		code         int
	}{
		{"none", "", 401},
		{"bearer", "Bearer " + token, 200},
		{"bearer in lower case", "bearer " + token, 200},
		{"wrong bearer", "Bearer " + token + "x", 401},
		{"basic", "Basic dTpw", 200},       // u:p
		{"wrong basic", "Basic dTpx", 401}, // u:q
		{"basic not base64", "Basic !!!", 401},
		{"basic without a colon", "Basic dQ==", 401},
		{"other scheme", "Digest x", 401},
	} {
		req := httptest.NewRequest("GET", BasePath+"/datacenters", nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != tt.code {
			t.Errorf("%s: %d, want %d", tt.name, w.Code, tt.code)
		}
		if strings.Contains(w.Body.String(), token) {
			t.Errorf("%s: the body shows the token", tt.name)
		}
	}
	tokenOnly, err := New(nil, Options{Credentials: Credentials{Token: token}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", BasePath+"/datacenters", nil)
	req.Header.Set("Authorization", "Basic dTpw")
	w := httptest.NewRecorder()
	tokenOnly.ServeHTTP(w, req)
	if w.Code != 401 || !strings.Contains(w.Body.String(), "a Bearer token only") {
		t.Errorf("Basic on a token-only server: %d %s", w.Code, w.Body)
	}
}

// Example starts the API in-process for a test of a Cloud API client:
// point the client at srv.URL (the official SDK adds /cloudapi/v6).
func Example() {
	dir, err := os.MkdirTemp("", "flowlog-serve-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	e, err := engine.Open(context.Background(), filepath.Join(dir, "flowlog.db"))
	if err != nil {
		panic(err)
	}
	defer e.Close()
	api, err := New(e, Options{Credentials: Credentials{Token: "secret"}})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+BasePath+"/datacenters", nil)
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}

// FuzzServe sends arbitrary requests and expects no panic, no 500, and an
// answer that is JSON: the error envelope for every refusal.
func FuzzServe(f *testing.F) {
	f.Add(uint8(0), "/datacenters/"+dc+"/servers/"+srv+"/nics/"+nic+"/flowlogs", "depth=1", "")
	f.Add(uint8(1), "/datacenters/"+dc+"/natgateways/"+nat+"/flowlogs", "", `{"properties":{"name":"x","action":"ALL","direction":"INGRESS","bucket":"my-logs"}}`)
	f.Add(uint8(2), "/datacenters/"+dc+"/natgateways/"+nat+"/flowlogs/"+nic, "pretty=false", `{"properties":{"name":"x"}}`)
	f.Add(uint8(3), "/datacenters/"+dc+"/networkloadbalancers/"+nat+"/flowlogs/"+nic, "", `{"name":null}`)
	f.Add(uint8(4), "/requests/"+nic+"/status", "filter.name=a&orderBy=name", "")
	f.Add(uint8(0), "/datacenters//servers", "limit=-1", "")
	s, _ := newServer(f)
	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
	f.Fuzz(func(t *testing.T, m uint8, path, query, body string) {
		u := BasePath + path
		if query != "" {
			u += "?" + query
		}
		req, err := http.NewRequest(methods[int(m)%len(methods)], "http://example.com/", strings.NewReader(body))
		if err != nil {
			return
		}
		req.URL.Path = u[:len(BasePath)+len(path)]
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s: %d %s", req.Method, u, w.Code, w.Body)
		}
		if w.Code >= 400 {
			var env errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.HTTPStatus != w.Code || len(env.Messages) != 1 {
				t.Fatalf("%s %s: %d not in the envelope: %s", req.Method, u, w.Code, w.Body)
			}
		} else if w.Body.Len() > 0 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: %d not JSON: %s", req.Method, u, w.Code, w.Body)
		}
	})
}
