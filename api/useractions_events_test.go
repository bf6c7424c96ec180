package api_test

import (
	"slices"
	"testing"
)

// The built-in user actions emit record events (issue 16 item 3): a
// listener on sys.users hears the change each action makes, and the action
// itself.
func TestUserActionsEmitRecordEvents(t *testing.T) {
	t.Parallel()
	s := authority(t)
	u := s.CreateUser("eve@example.org", "eve-password-1", nil)
	id := u["id"].(string)
	for _, action := range []string{"deactivate", "activate", "resetPassword"} {
		s.As("PUT", "/data/sys.users/"+id+"/"+action, nil).Status(200)
	}
	var got []string
	for _, m := range logged(t, s) {
		if len(m) > 6 && m[:6] != "RECORD" && m[:6] != "ACTION" {
			continue
		}
		got = append(got, m)
	}
	want := []string{
		"RECORD_CHANGED eve@example.org INACTIVE", "ACTION_PERFORMED eve@example.org INACTIVE",
		"RECORD_CHANGED eve@example.org ACTIVE", "ACTION_PERFORMED eve@example.org ACTIVE",
		"RECORD_CHANGED eve@example.org ACTIVE", "ACTION_PERFORMED eve@example.org ACTIVE",
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n%q\nwant\n%q", got, want)
	}
}
