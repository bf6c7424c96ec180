package app

import (
	"reflect"
	"testing"
	"testing/fstest"
	"time"
)

// TestAuditSettings: settings.auditLogs is read into Entity.Audit with the
// defaults of app-model.md §8 Q6 (missing flags true, system events
// false), ignoreFields, and dataExpiration in days, weeks or months.
func TestAuditSettings(t *testing.T) {
	a := loadClean(t, "testdata/history")
	n := a.Entity("notes").Audit
	if n == nil {
		t.Fatal("notes: no Audit")
	}
	all := AuditContext{RecordCreated: true, RecordChanged: true, RecordDeleted: true, ActionExecuted: true}
	wantUser := all
	wantUser.IgnoreFields = []string{"scratch", "address.zip"}
	if !reflect.DeepEqual(n.User, wantUser) || !reflect.DeepEqual(n.Script, all) {
		t.Errorf("notes contexts: user %+v script %+v", n.User, n.Script)
	}
	if n.KeepDeleted != 48*time.Hour || n.CascadeUpdates || n.Refactorings {
		t.Errorf("notes: %+v", n)
	}
	// "history": true is settings.auditLogs {}: every user and script event.
	if f := a.Entity("followups").Audit; f == nil || !reflect.DeepEqual(f.User, all) || !reflect.DeepEqual(f.Script, all) || f.KeepDeleted != 0 {
		t.Errorf("followups: %+v", f)
	}
	q := a.Entity("quiet").Audit
	if q.User.RecordChanged || !q.User.RecordCreated || q.Script.RecordCreated || !q.Script.RecordChanged {
		t.Errorf("quiet: %+v", q)
	}
	if a.Entity("plain").Audit != nil || a.Entity("plain").HistoryEnabled() {
		t.Error("plain keeps no history")
	}
	// sys.users keeps history (its built-in definition says so).
	if a.Entity("sys.users").Audit == nil {
		t.Error("sys.users: no history")
	}
}

func TestAuditSettingsProblems(t *testing.T) {
	entity := func(settings string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(`{"name": "e", "label": "E", "settings": {"auditLogs": ` + settings + `},
			"fields": [{"name": "a", "label": "A", "type": "text"}]}`)}
	}
	for _, c := range []struct {
		settings string
		warning  bool
		path     string
	}{
		{`{"dataExpiration": {"customDeletion": 3, "customDeletionPolicyType": "years"}}`, false, "settings.auditLogs.dataExpiration.customDeletionPolicyType"},
		{`{"dataExpiration": {"customDeletion": -1}}`, false, "settings.auditLogs.dataExpiration.customDeletion"},
		{`{"userContext": {"recordCreated": "yes"}}`, false, "settings.auditLogs.userContext.recordCreated"},
		{`{"userContext": {"ignoreFields": ["nope"]}}`, true, "settings.auditLogs.userContext.ignoreFields"},
		{`{"scriptContext": {"other": true}}`, true, "settings.auditLogs.scriptContext.other"},
		{`[]`, false, "settings.auditLogs"},
	} {
		_, probs, _ := Load(fstest.MapFS{"model/entities/e.json": entity(c.settings)})
		assertProblems(t, probs, c.warning, []string{"model/entities/e.json|" + c.path})
	}
	a, _, err := Load(fstest.MapFS{"model/entities/e.json": entity(`{"dataExpiration": {"customDeletion": 2, "customDeletionPolicyType": "weeks"}}`)})
	if err != nil || a.Entity("e").Audit.KeepDeleted != 14*24*time.Hour {
		t.Errorf("weeks: %v %+v", err, a.Entity("e").Audit)
	}
}
