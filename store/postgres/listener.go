package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// writesChannel is the NOTIFY channel of committed record writes; the
// payload is the entity table.
const writesChannel = "runway_writes"

// listen keeps a connection LISTENing on writesChannel until ctx ends,
// bumping the count cache's generation of each table another process (or
// this one) wrote. While it is not connected the count cache is off.
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer close(s.listenDone)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			if _, err = conn.Exec(ctx, "LISTEN "+writesChannel); err == nil {
				s.counts.setLive(true)
				backoff = 100 * time.Millisecond
				for {
					n, err := conn.WaitForNotification(ctx)
					if err != nil {
						break
					}
					s.counts.bumpOne(n.Payload)
				}
			}
			s.counts.setLive(false)
			conn.Close(context.Background())
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}
