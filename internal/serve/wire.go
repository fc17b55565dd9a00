package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// The JSON shapes of the Cloud API v6, as its official clients decode them.

// metadata is a resource's DatacenterElementMetadata.
type metadata struct {
	Etag                 string `json:"etag"`
	CreatedDate          string `json:"createdDate"`
	CreatedBy            string `json:"createdBy"`
	CreatedByUserID      string `json:"createdByUserId"`
	LastModifiedDate     string `json:"lastModifiedDate"`
	LastModifiedBy       string `json:"lastModifiedBy"`
	LastModifiedByUserID string `json:"lastModifiedByUserId"`
	State                string `json:"state"`
}

// resource is one item: a flow log, a data center, a NIC… With only ID,
// Type and Href set it is a reference, as collections list items at depth 0.
type resource struct {
	ID         string                 `json:"id"`
	Type       string                 `json:"type"`
	Href       string                 `json:"href"`
	Metadata   *metadata              `json:"metadata,omitempty"`
	Properties any                    `json:"properties,omitempty"`
	Entities   map[string]*collection `json:"entities,omitempty"`
}

// collection is a list of items. Offset, Limit and Links are set on the
// collection a GET asked for, not on those nested in entities.
type collection struct {
	ID     string     `json:"id"`
	Type   string     `json:"type"`
	Href   string     `json:"href"`
	Items  []resource `json:"items"`
	Offset *int       `json:"offset,omitempty"`
	Limit  *int       `json:"limit,omitempty"`
	Links  *links     `json:"_links,omitempty"`
}

type links struct {
	Prev string `json:"prev,omitempty"`
	Self string `json:"self,omitempty"`
	Next string `json:"next,omitempty"`
}

// flowLogProperties are a flow log's properties. Pointers tell a property
// left out of a PATCH from one set to "".
type flowLogProperties struct {
	Name      *string `json:"name,omitempty"`
	Action    *string `json:"action,omitempty"`
	Direction *string `json:"direction,omitempty"`
	Bucket    *string `json:"bucket,omitempty"`
}

// flowLogBody is what POST and PUT send: {"properties": {...}}; id, type,
// href and metadata may come along and are ignored.
type flowLogBody struct {
	Properties *flowLogProperties `json:"properties"`
}

// errorBody is the API's error envelope.
type errorBody struct {
	HTTPStatus int            `json:"httpStatus"`
	Messages   []errorMessage `json:"messages"`
}

type errorMessage struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
}

// Error codes in the envelope, one per kind of refusal. The API's own
// codes are not documented per case; clients go by the HTTP status.
var errorCodes = map[int]string{
	http.StatusBadRequest:           "100",
	http.StatusUnauthorized:         "315",
	http.StatusForbidden:            "316",
	http.StatusNotFound:             "309",
	http.StatusMethodNotAllowed:     "310",
	http.StatusUnsupportedMediaType: "311",
	http.StatusUnprocessableEntity:  "200",
	http.StatusInternalServerError:  "500",
}

// httpError is a refusal to answer with the envelope.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func apiError(status int, format string, args ...any) *httpError {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, r *http.Request, e *httpError) {
	code := errorCodes[e.status]
	if code == "" {
		code = "000"
	}
	writeJSON(w, r, e.status, errorBody{HTTPStatus: e.status, Messages: []errorMessage{{ErrorCode: code, Message: e.msg}}})
}

// writeJSON writes v, indented unless the request asked for pretty=false
// (the official clients send pretty=true).
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if pretty, err := strconv.ParseBool(r.URL.Query().Get("pretty")); err != nil || pretty {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
