package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sitmap/sitmap/internal/store"
)

// channel is the NOTIFY channel that carries changes between replicas.
const channel = "sitmap_changes"

// maxPayload keeps a notification under PostgreSQL's 8000-byte limit.
const maxPayload = 7000

// notice is one notification: changes with consecutive Seqs from one
// Store (Origin), as runs. (Changes is how stores before runs sent them,
// still read from the change log.)
type notice struct {
	Origin  string         `json:"o"`
	Changes []store.Change `json:"c,omitempty"`
	Runs    []run          `json:"r,omitempty"`
}

// run is changes of one type, collection and time whose Seqs and versions
// count up by one from Seq and Version, one per id: an import's 222,000
// changes take 7 MB of notifications this way rather than 31.
type run struct {
	Seq        int64            `json:"s"`
	Type       store.ChangeType `json:"t"`
	Collection string           `json:"c"`
	Version    int64            `json:"v"`
	Time       time.Time        `json:"at"`
	IDs        []string         `json:"ids"`
}

// extends reports whether c is the change after the run's last.
func (r *run) extends(c store.Change) bool {
	n := int64(len(r.IDs))
	return c.Seq == r.Seq+n && c.Version == r.Version+n && c.Type == r.Type && c.Collection == r.Collection && c.Time.Equal(r.Time)
}

// changes are the changes of the notice, in order.
func (n *notice) changes() []store.Change {
	out := n.Changes
	for _, r := range n.Runs {
		for k, id := range r.IDs {
			out = append(out, store.Change{Seq: r.Seq + int64(k), Type: r.Type, Collection: r.Collection, ID: id,
				Version: r.Version + int64(k), Time: r.Time})
		}
	}
	return out
}

// runsOf takes from changes the runs of one notification and returns the
// number of changes they hold.
func runsOf(changes []store.Change, size int) ([]run, int) {
	var runs []run
	n := 0
	for n < len(changes) && (n == 0 || size < maxPayload-400) {
		c := changes[n]
		if len(runs) > 0 && runs[len(runs)-1].extends(c) {
			r := &runs[len(runs)-1]
			r.IDs = append(r.IDs, c.ID)
		} else {
			runs = append(runs, run{Seq: c.Seq, Type: c.Type, Collection: c.Collection, Version: c.Version, Time: c.Time, IDs: []string{c.ID}})
			size += 100 + len(c.Collection)
		}
		size += quotedSize(c.ID)
		n++
	}
	return runs, n
}

// quotedSize bounds the length of s as a JSON string and its comma.
func quotedSize(s string) int {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= 0x7f || b == '"' || b == '\\' || b == '<' || b == '>' || b == '&' {
			return 6*len(s) + 3
		}
	}
	return len(s) + 3
}

// notify logs the changes and sends them with pg_notify inside the write's
// transaction, so they go out only if it commits, in commit order.
func (s *Store) notify(ctx context.Context, tx pgx.Tx, changes []store.Change) error {
	n, err := s.notices(changes)
	if err != nil {
		return err
	}
	return send(ctx, tx, n)
}

// notices are the payloads of the notifications of some changes, with
// the first and last Seq of each.
type notices struct {
	firsts, lasts []int64
	payloads      []string
}

// notices makes the notifications of changes (numbered), as notify sends
// them; a bulk load makes them while the database loads the rows.
func (s *Store) notices(changes []store.Change) (notices, error) {
	var out notices
	for len(changes) > 0 {
		runs, n := runsOf(changes, 32+len(s.origin))
		p, err := json.Marshal(notice{Origin: s.origin, Runs: runs})
		if err != nil {
			return notices{}, err
		}
		out.firsts = append(out.firsts, changes[0].Seq)
		out.lasts = append(out.lasts, changes[n-1].Seq)
		out.payloads = append(out.payloads, string(p))
		changes = changes[n:]
	}
	return out, nil
}

// send logs and sends notices in the write's transaction.
func send(ctx context.Context, tx pgx.Tx, n notices) error {
	if _, err := tx.Exec(ctx, "DELETE FROM change_log WHERE at < now() - interval '1 hour'"); err != nil {
		return fmt.Errorf("change log: %w", err)
	}
	// One statement logs and sends them, so the payloads (31 MB for an
	// import of 222,000 features) cross the wire once. Notifications of
	// one transaction arrive in the order sent: ORDER BY n, the array's.
	if _, err := tx.Exec(ctx, `WITH u AS (SELECT * FROM unnest($2::int8[], $3::int8[], $4::text[]) WITH ORDINALITY AS u(l, f, p, n)),
		logged AS (INSERT INTO change_log (last_seq, first_seq, payload) SELECT l, f, p FROM u)
		SELECT pg_notify($1, p) FROM u ORDER BY n`, channel, n.lasts, n.firsts, n.payloads); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// Reconnection backoff of the listening connection.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// startListener opens the LISTEN connection and returns once it listens,
// so Subscribe sees every change committed after Open. If the connection
// drops, the listener reconnects with backoff and replays from the change
// log what it missed meanwhile.
func (s *Store) startListener(ctx context.Context) error {
	conn, last, err := s.listen(ctx, -1)
	if err != nil {
		return err
	}
	lctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		backoff := minBackoff
		for {
			if conn != nil {
				last = s.receive(lctx, conn, last)
				conn.Close(context.Background())
				conn = nil
				backoff = minBackoff
			}
			select {
			case <-lctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, maxBackoff)
			c, l, err := s.listen(lctx, last)
			if err == nil {
				conn, last = c, l
			}
		}
	}()
	return nil
}

// listen connects and LISTENs. With last < 0 it returns the current Seq;
// otherwise it first delivers the logged changes after last.
func (s *Store) listen(ctx context.Context, last int64) (*pgx.Conn, int64, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, s.listenCfg)
	if err != nil {
		return nil, last, err
	}
	fail := func(err error) (*pgx.Conn, int64, error) {
		conn.Close(context.Background())
		return nil, last, err
	}
	if _, err := conn.Exec(cctx, "LISTEN "+channel); err != nil {
		return fail(err)
	}
	if last < 0 {
		if err := conn.QueryRow(cctx, "SELECT seq FROM sitmap_seq").Scan(&last); err != nil {
			return fail(err)
		}
		return conn, last, nil
	}
	rows, err := conn.Query(cctx, "SELECT payload FROM change_log WHERE last_seq > $1 ORDER BY last_seq", last)
	if err != nil {
		return fail(err)
	}
	payloads, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fail(err)
	}
	for _, p := range payloads {
		last = s.deliver(p, last)
	}
	return conn, last, nil
}

// receive hands notifications to the hub until the connection fails or ctx
// ends, and returns the last Seq it saw.
func (s *Store) receive(ctx context.Context, conn *pgx.Conn, last int64) int64 {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return last
		}
		last = s.deliver(n.Payload, last)
	}
}

// deliver publishes the changes of one payload that are newer than last,
// unless this Store made them (it published those when it committed).
func (s *Store) deliver(payload string, last int64) int64 {
	var n notice
	if json.Unmarshal([]byte(payload), &n) != nil {
		return last
	}
	all := n.changes()
	fresh := all[:0]
	for _, c := range all {
		if c.Seq > last {
			fresh = append(fresh, c)
			last = c.Seq
		}
	}
	if n.Origin != s.origin && len(fresh) > 0 {
		s.hub.Publish(fresh)
	}
	return last
}
