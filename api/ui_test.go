package api_test

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"runway/api/apitest"
)

// uiApp (app/testdata/ui) has a global action, notes' announce, that
// sends a sys.ui message to the target it is given.
func uiApp(t *testing.T) *apitest.Server {
	t.Helper()
	return apitest.Start(t, os.DirFS("../app/testdata/ui"))
}

// stream is an open GET /ui/messages: the data lines of its events, closed
// when the server ends the stream.
type stream struct {
	events chan string
	cancel context.CancelFunc
}

func openStream(t *testing.T, s *apitest.Server, token string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := s.NewRequest("GET", "/ui/messages", token, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Client.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /ui/messages: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	st := &stream{events: make(chan string, 16), cancel: cancel}
	go func() {
		defer resp.Body.Close()
		defer close(st.events)
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "message":
				st.events <- strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return st
}

// next is the stream's next message ("" when the stream ended).
func (st *stream) next(t *testing.T) string {
	t.Helper()
	select {
	case m := <-st.events:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message within 10 s")
		return ""
	}
}

func TestUIMessagesReachTheTargetedConsoleSessions(t *testing.T) {
	t.Parallel()
	s := uiApp(t)
	s.CreateUser("ana@example.org", "ana-password-1", nil)
	ana := s.Login("ana@example.org", "ana-password-1")
	admin, anaStream := openStream(t, s, s.Token), openStream(t, s, ana)
	announce := func(target, to, text string) {
		t.Helper()
		s.As("PUT", "/data/notes/announce", obj{"target": target, "to": to, "text": text}).Status(200)
	}

	announce("", "", "to me")
	got := admin.next(t)
	if !strings.Contains(got, `"message":"to me"`) || !strings.Contains(got, `"scope":"global"`) || strings.Contains(got, "callbacks\":{\"ok") {
		t.Errorf("the caller's message: %s", got)
	}
	announce("users", "ana@example.org", "to ana")
	announce("allUsers", "", "to all")
	if got := anaStream.next(t); !strings.Contains(got, `"message":"to ana"`) {
		t.Errorf("ana's first message: %s (the caller's own message must not reach her)", got)
	}
	if got := anaStream.next(t); !strings.Contains(got, `"message":"to all"`) {
		t.Errorf("ana's second message: %s", got)
	}
	if got := admin.next(t); !strings.Contains(got, `"message":"to all"`) {
		t.Errorf("the admin's second message: %s (the message to ana must not reach him)", got)
	}

	// A logout ends the session's stream: the next message is not
	// delivered to it.
	s.Do("POST", "/auth/logout", ana, nil).Status(200)
	announce("allUsers", "", "after logout")
	if got := anaStream.next(t); got != "" {
		t.Errorf("a logged-out session received %s", got)
	}
	if got := admin.next(t); !strings.Contains(got, "after logout") {
		t.Errorf("admin: %s", got)
	}
}

func TestUIMessagesNeedASession(t *testing.T) {
	t.Parallel()
	s := demo(t)
	s.Do("GET", "/ui/messages", "", nil).Error(401, "unauthorized")
	s.Do("GET", "/ui/messages", "not-a-token", nil).Error(401, "unauthorized")
}

// Shutting down ends every open stream (the console reconnects, to
// another process), and a stream opened later ends at once.
func TestUIMessagesEndOnShutdown(t *testing.T) {
	t.Parallel()
	s := demo(t)
	st := openStream(t, s, s.Token)
	s.Runtime.Drain()
	if got := st.next(t); got != "" {
		t.Errorf("message after drain: %s", got)
	}
	if got := openStream(t, s, s.Token).next(t); got != "" {
		t.Errorf("message on a stream opened after drain: %s", got)
	}
}
