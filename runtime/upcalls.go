package runtime

import (
	"context"
	"encoding/json"

	"runway/app"
	"runway/data"
	"runway/jobs"
	"runway/record"
	"runway/script"
	"runway/store"
	"runway/ui"
)

// upcalls are the calls of a lower service to one built above it, given
// to the lower one at construction: data.Scripts, data.Events and
// data.Options.OnUserWrite of the data service, jobs.Listeners of the job
// service. Each reaches the upper service through the Runtime's field,
// which Open fills before it returns (no service calls up while it is
// being built).
type upcalls struct{ r *Runtime }

var (
	_ data.Scripts   = upcalls{}
	_ data.Events    = upcalls{}
	_ jobs.Listeners = upcalls{}
)

// Record is data.Scripts: the script work of one save.
func (u upcalls) Record(ctx context.Context, c *data.Caller, e *app.Entity, id string, v record.Values) data.RecordScripts {
	return u.r.Scripts.Record(ctx, c, e, id, v)
}

// Action is data.Scripts: one run of an action's script.
func (u upcalls) Action(ctx context.Context, c *data.Caller, call *data.ActionCall) (json.RawMessage, error) {
	return u.r.Scripts.Action(ctx, c, call)
}

// ListensTo is data.Events: whether e has data listeners.
func (u upcalls) ListensTo(e *app.Entity) bool { return u.r.Scripts.ListensTo(e) }

// DataEvent is data.Events: a committed data event, for the listeners.
func (u upcalls) DataEvent(ctx context.Context, ev *data.Event) { u.r.Scripts.DataEvent(ctx, ev) }

// RunListenerJob is jobs.Listeners: the listener of an EXECUTE_LISTENER job.
func (u upcalls) RunListenerJob(ctx context.Context, c *data.Caller, name string, event json.RawMessage) error {
	return u.r.Scripts.RunListenerJob(ctx, c, name, event)
}

// JobEvent is jobs.Listeners: a job's transition, for the job listeners.
func (u upcalls) JobEvent(ctx context.Context, c *data.Caller, j *store.Job, event store.JobStatus) {
	u.r.Scripts.JobEvent(ctx, c, j, event)
}

// userWritten is data.Options.OnUserWrite: the sessions of a user whose
// record changed.
func (u upcalls) userWritten(userID string, deleted bool) { u.r.Auth.UserChanged(userID, deleted) }

// uiMessage is script.Options.UIMessages: a sys.ui message, for the open
// console sessions of the users it targets.
func (u upcalls) uiMessage(ctx context.Context, m script.UIMessage) {
	out := ui.Message{Body: m.Message}
	switch m.Target {
	case "allUsers":
		out.All = true
	case "users":
		out.Users = m.Users
	default: // caller
		if m.From.UserID == "" {
			return // a script with no user (a timer, a system job): nobody's session
		}
		out.Users = []string{m.From.UserID}
	}
	u.r.UI.Send(ctx, out)
}
