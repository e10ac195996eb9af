package middleware

import (
	"net/http"
	"time"

	"github.com/sitmap/sitmap/web/api"
)

// Recorder notes the status and the bytes sent, and gives every write
// its own deadline: a client that stops reading is cut after one write
// timeout (at least fifteen sixteenths of it), while a stream that keeps
// flowing lives on. A request with a body must send it within the read
// timeout. It holds the request's api.Info, and its id's X-Request-Id
// value, in the one allocation a request's bookkeeping costs.
type Recorder struct {
	http.ResponseWriter
	info         api.Info
	rc           http.ResponseController
	writeTimeout time.Duration
	due          time.Time // the write deadline last set
	// conn remembers the deadline across an HTTP/1 connection's requests
	// (nil for HTTP/2, whose deadlines are the stream's).
	conn     *conn
	idHeader [1]string
}

// Deadlines bound a request: Read its body (from when the headers are
// in), Write each write of its answer.
type Deadlines struct{ Read, Write time.Duration }

// NewRecorder records into its Info what is written to w, and applies d.
// The http.Server has no read timeout of its own: it would stay on for
// a request without a body, and cut a long answer (an event stream)
// through net/http's background read, or cost a request one more timer
// to lift.
func NewRecorder(w http.ResponseWriter, r *http.Request, id string, d Deadlines) *Recorder {
	rec := &Recorder{ResponseWriter: w, info: api.Info{ID: id}, rc: *http.NewResponseController(w), writeTimeout: d.Write}
	rec.idHeader[0] = id
	if r.ProtoMajor == 1 {
		if rec.conn = connOf(r.Context()); rec.conn != nil {
			if due := rec.conn.writeDue.Load(); due != 0 {
				rec.due = epoch.Add(time.Duration(due))
			}
		}
	}
	rec.extendWrite()
	if r.Body != nil && r.Body != http.NoBody && d.Read > 0 {
		_ = rec.rc.SetReadDeadline(time.Now().Add(d.Read))
	}
	return rec
}

// AnswerID answers the request's id in X-Request-Id.
func (r *Recorder) AnswerID() { r.ResponseWriter.Header()["X-Request-Id"] = r.idHeader[:] }

// RequestInfo is the request's Info (api.InfoOf finds it).
func (r *Recorder) RequestInfo() *api.Info { return &r.info }

// extendWrite moves the write deadline to writeTimeout from now, unless
// it is nearly there already: moving it re-arms a runtime timer, and a
// busy keep-alive connection's requests (a cached tile is one write)
// come within a sixteenth of the timeout of each other.
func (r *Recorder) extendWrite() {
	now := time.Now()
	if r.due.Sub(now) > r.writeTimeout-r.writeTimeout/16 {
		return
	}
	r.due = now.Add(r.writeTimeout)
	_ = r.rc.SetWriteDeadline(r.due)
	if r.conn != nil {
		r.conn.writeDue.Store(int64(r.due.Sub(epoch)))
	}
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
	var out *coalescingConn
	if r.conn != nil && len(b) >= coalesceMin {
		out = r.conn.out
	}
	if out == nil {
		n, err := r.ResponseWriter.Write(b)
		r.info.Bytes += int64(n)
		return n, err
	}
	out.hold()
	n, err := r.ResponseWriter.Write(b)
	if rerr := out.release(); err == nil {
		err = rerr
	}
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
