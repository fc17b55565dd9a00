package serve

import (
	"net/http"
	"time"

	"github.com/google/uuid"
)

// request is one accepted write, for the clients that poll its status.
type request struct {
	id      string
	method  string
	url     string
	body    string
	created time.Time
	target  resource // a reference to what it wrote
	polls   int      // status reads so far
}

// accepted records a write the engine has done, and points the client at
// its status with a Location header, as the API does for every 202.
func (s *Server) accepted(w http.ResponseWriter, r *http.Request, body []byte, target resource) {
	req := &request{
		id:      uuid.NewString(),
		method:  r.Method,
		url:     baseURL(r) + r.URL.Path[len(BasePath):],
		body:    string(body),
		created: s.opts.Now().UTC().Truncate(time.Second),
		target:  resource{ID: target.ID, Type: target.Type, Href: target.Href},
	}
	s.requests.add(req)
	w.Header().Set("Location", baseURL(r)+"/requests/"+req.id+"/status")
}

// The request statuses the API reports.
const (
	statusRunning = "RUNNING"
	statusDone    = "DONE"
)

type requestStatus struct {
	ID       string                `json:"id"`
	Type     string                `json:"type"`
	Href     string                `json:"href"`
	Metadata requestStatusMetadata `json:"metadata"`
}

type requestStatusMetadata struct {
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Etag    string          `json:"etag"`
	Targets []requestTarget `json:"targets"`
}

type requestTarget struct {
	Target resource `json:"target"`
	Status string   `json:"status"`
}

type requestBody struct {
	ID         string            `json:"id"`
	Type       string            `json:"type"`
	Href       string            `json:"href"`
	Metadata   requestMetadata   `json:"metadata"`
	Properties requestProperties `json:"properties"`
}

type requestMetadata struct {
	CreatedDate   string        `json:"createdDate"`
	CreatedBy     string        `json:"createdBy"`
	Etag          string        `json:"etag"`
	RequestStatus requestStatus `json:"requestStatus"`
}

type requestProperties struct {
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body,omitempty"`
	URL     string            `json:"url"`
}

// getRequest is GET /requests/{id}/status and GET /requests/{id}.
func (s *Server) getRequest(w http.ResponseWriter, r *http.Request, rt route) *httpError {
	req, ok := s.requests.poll(rt.request, rt.level == lvRequestStatus)
	if !ok {
		return apiError(http.StatusNotFound, "request %s not found", rt.request)
	}
	base := baseURL(r)
	status, message := statusDone, "Request has been successfully executed"
	if req.polls < s.opts.RunningPolls {
		status, message = statusRunning, "Request is being executed"
	}
	md := s.metadata("request/"+req.id+"/"+status, req.created)
	st := requestStatus{
		ID: req.id, Type: "request-status", Href: base + "/requests/" + req.id + "/status",
		Metadata: requestStatusMetadata{Status: status, Message: message, Etag: md.Etag,
			Targets: []requestTarget{{Target: req.target, Status: status}}},
	}
	if rt.level == lvRequestStatus {
		writeJSON(w, r, http.StatusOK, st)
		return nil
	}
	writeJSON(w, r, http.StatusOK, requestBody{
		ID: req.id, Type: "request", Href: base + "/requests/" + req.id,
		Metadata:   requestMetadata{CreatedDate: md.CreatedDate, CreatedBy: md.CreatedBy, Etag: md.Etag, RequestStatus: st},
		Properties: requestProperties{Method: req.method, Headers: map[string]string{}, Body: req.body, URL: req.url},
	})
	return nil
}
