package serve

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// loggingWriter remembers the status and size of a response for the log.
type loggingWriter struct {
	http.ResponseWriter
	status  int
	written int64
	wrote   bool
}

func (w *loggingWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *loggingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	return n, err
}

// writeAccessLog writes one line in the Combined Log Format, as web
// servers do: host ident user [time] "request" status bytes "referer"
// "user agent". user is a Basic user name or "-"; no header that carries
// a credential is ever written.
func writeAccessLog(out io.Writer, r *http.Request, user string, w *loggingWriter, at time.Time) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	size := "-"
	if w.written > 0 {
		size = strconv.FormatInt(w.written, 10)
	}
	line := fmt.Sprintf("%s - %s [%s] \"%s %s %s\" %d %s \"%s\" \"%s\"\n",
		orDash(host), orDash(logSafe(user)), at.Format("02/Jan/2006:15:04:05 -0700"),
		logSafe(r.Method), logSafe(r.URL.RequestURI()), logSafe(r.Proto), w.status, size,
		orDash(logSafe(r.Referer())), orDash(logSafe(r.UserAgent())))
	io.WriteString(out, line)
}

// logSafe keeps a client's text from forging log lines or breaking the
// quoting.
func logSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return '_'
		}
		return r
	}, s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
