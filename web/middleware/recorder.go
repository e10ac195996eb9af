package middleware

import (
	"net/http"
	"time"

	"github.com/sitmap/sitmap/web/api"
)

// Recorder notes the status and the bytes sent, and gives every write
// its own deadline: a client that stops reading is cut after one write
// timeout, while a stream that keeps flowing lives on.
type Recorder struct {
	http.ResponseWriter
	info         *api.Info
	rc           http.ResponseController
	writeTimeout time.Duration
}

// NewRecorder records into ri what is written to w, each write due
// within writeTimeout. A request without a body has its read deadline
// lifted: it covers headers and body, and with no body left to read it
// would only cancel a long answer (an event stream) through net/http's
// background read.
func NewRecorder(w http.ResponseWriter, r *http.Request, ri *api.Info, writeTimeout time.Duration) *Recorder {
	rec := &Recorder{ResponseWriter: w, info: ri, rc: *http.NewResponseController(w), writeTimeout: writeTimeout}
	rec.extendWrite()
	if r.Body == nil || r.Body == http.NoBody {
		_ = rec.rc.SetReadDeadline(time.Time{})
	}
	return rec
}

func (r *Recorder) extendWrite() {
	_ = r.rc.SetWriteDeadline(time.Now().Add(r.writeTimeout))
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
