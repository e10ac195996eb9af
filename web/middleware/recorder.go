package middleware

import (
	"net/http"
	"time"

	"github.com/sitmap/sitmap/web/api"
)

// Recorder notes the status and the bytes sent, and gives every write
// its own deadline: a client that stops reading is cut after one write
// timeout (at least fifteen sixteenths of it), while a stream that keeps
// flowing lives on. It holds the request's api.Info, and its id's
// X-Request-Id value, in the one allocation a request's bookkeeping costs.
type Recorder struct {
	http.ResponseWriter
	info         api.Info
	rc           http.ResponseController
	writeTimeout time.Duration
	due          time.Time // the write deadline last set
	idHeader     [1]string
}

// NewRecorder records into its Info what is written to w, each write due
// within writeTimeout, and answers id in X-Request-Id. A request without a
// body has its read deadline lifted: it covers headers and body, and with
// no body left to read it would only cancel a long answer (an event
// stream) through net/http's background read.
func NewRecorder(w http.ResponseWriter, r *http.Request, id string, writeTimeout time.Duration) *Recorder {
	rec := &Recorder{ResponseWriter: w, info: api.Info{ID: id}, rc: *http.NewResponseController(w), writeTimeout: writeTimeout}
	rec.idHeader[0] = id
	w.Header()["X-Request-Id"] = rec.idHeader[:]
	rec.extendWrite()
	if r.Body == nil || r.Body == http.NoBody {
		_ = rec.rc.SetReadDeadline(time.Time{})
	}
	return rec
}

// RequestInfo is the request's Info (api.InfoOf finds it).
func (r *Recorder) RequestInfo() *api.Info { return &r.info }

// extendWrite moves the write deadline to writeTimeout from now, unless
// it is nearly there already: moving it re-arms a runtime timer, and the
// one write of a cached tile follows the move made at the start.
func (r *Recorder) extendWrite() {
	now := time.Now()
	if r.due.Sub(now) > r.writeTimeout-r.writeTimeout/16 {
		return
	}
	r.due = now.Add(r.writeTimeout)
	_ = r.rc.SetWriteDeadline(r.due)
}

func (r *Recorder) WriteHeader(code int) {
	if r.info.Status == 0 {
		r.info.Status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *Recorder) Write(b []byte) (int, error) {
	if r.info.Status == 0 {
		r.info.Status = http.StatusOK
	}
	r.extendWrite()
	n, err := r.ResponseWriter.Write(b)
	r.info.Bytes += int64(n)
	return n, err
}

func (r *Recorder) Flush() {
	r.extendWrite()
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
