package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"runway/data"
)

// uiKeepAlive is how often an idle message stream says it is alive (a
// comment line), keeping proxies from closing it, and checks that its
// session still holds.
const uiKeepAlive = 20 * time.Second

// uiMessages streams the sys.ui.sendMessage messages for the caller to an
// open console session (GET {base}/ui/messages; package ui): server-sent
// events, one "message" event per message, its data the message as the
// script gave it. The stream ends when the client goes, the session ends
// (logout, revocation, expiry: checked at each message and keep-alive,
// without counting as activity) or the process shuts down.
func (s *Server) uiMessages(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	sess := s.ui.Open(c.UserID, c.Email)
	defer s.ui.Leave(sess)
	token := r.Header.Get("token")
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events on as they come
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(": runway console messages\n\n"))
	tick := time.NewTicker(uiKeepAlive)
	defer tick.Stop()
	for {
		if rc.Flush() != nil {
			return nil // the client is gone
		}
		var event []byte
		select {
		case <-r.Context().Done():
			return nil
		case msg, open := <-sess.C:
			if !open {
				return nil // shutting down
			}
			event = sseEvent(msg)
		case <-tick.C:
			event = []byte(": keep-alive\n\n")
		}
		if s.auth.Check(r.Context(), token) != nil {
			return nil
		}
		if _, err := w.Write(event); err != nil {
			return nil
		}
	}
}

// sseEvent is a message as one server-sent event: its JSON on one data
// line (compacted, so no newline can end the event early).
func sseEvent(msg json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteString("event: message\ndata: ")
	if json.Compact(&b, msg) != nil {
		return nil
	}
	b.WriteString("\n\n")
	return b.Bytes()
}
