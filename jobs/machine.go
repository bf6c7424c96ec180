package jobs

import (
	"slices"

	"runway/store"
)

// Statuses are every status a job can have (the store's vocabulary,
// store.JobStatus).
var Statuses = []store.JobStatus{store.JobPending, store.JobRunning, store.JobFinished, store.JobStopping,
	store.JobStopped, store.JobCanceling, store.JobCanceled}

// Command is something that moves a job from one status to another: the
// four a user sends (PUT /status/jobs/{id}/{command}) and the events of the
// queue itself.
type Command string

// User commands (rest-api.md §9.8–9.11).
const (
	Stop      Command = "stop"
	ForceStop Command = "forceStop"
	Cancel    Command = "cancel"
	Resume    Command = "resume"
)

// Queue events.
const (
	// claim: a worker takes a PENDING job, or a RUNNING job whose worker
	// is gone (heartbeat older than the takeover time, or released).
	claim Command = "claim"
	// complete: the work is done (with or without errors). A job asked to
	// stop whose last batch finished the work is FINISHED, not STOPPED.
	complete Command = "complete"
	// halt: the worker noticed the stop request between two batches.
	halt Command = "halt"
	// release: the worker shuts down after a batch; a RUNNING job stays
	// RUNNING with no owner (the next worker continues it at once), a stop
	// in progress completes.
	release Command = "release"
	// expire: a stop whose worker is gone (or that no worker runs)
	// completes.
	expire Command = "expire"
	// canceled: the clean-up of a cancel is done. No job type needs one
	// yet, so cancel goes straight to CANCELED; CANCELING is kept for them.
	canceled Command = "canceled"
)

// UserCommands are the commands of the REST API.
var UserCommands = []Command{Stop, ForceStop, Cancel, Resume}

// Commands are every command, user and queue.
var Commands = []Command{Stop, ForceStop, Cancel, Resume, claim, complete, halt, release, expire, canceled}

// transition is where a command takes a job.
type transition struct {
	to store.JobStatus
	// toIfNotStarted: the status instead of to for a job that never ran
	// ("" = to): resume of a job stopped while PENDING goes back to PENDING.
	toIfNotStarted store.JobStatus
}

// machine is the lifecycle of rest-api.md §9.2 as a table: command → status
// it applies to → transition. A pair that is not here is not allowed.
var machine = map[Command]map[store.JobStatus]transition{
	Stop: {
		store.JobPending: {to: store.JobStopped},  // at once: nothing runs yet
		store.JobRunning: {to: store.JobStopping}, // the worker stops between two batches
	},
	ForceStop: {
		store.JobStopping: {to: store.JobStopped}, // at once; the batch in progress is undone
	},
	Cancel: {
		store.JobStopped: {to: store.JobCanceled}, // terminal
	},
	Resume: {
		store.JobStopped: {to: store.JobRunning, toIfNotStarted: store.JobPending},
	},

	claim: {
		store.JobPending: {to: store.JobRunning},
		store.JobRunning: {to: store.JobRunning}, // takeover
	},
	complete: {
		store.JobRunning:  {to: store.JobFinished},
		store.JobStopping: {to: store.JobFinished},
	},
	halt:     {store.JobStopping: {to: store.JobStopped}},
	release:  {store.JobRunning: {to: store.JobRunning}, store.JobStopping: {to: store.JobStopped}},
	expire:   {store.JobStopping: {to: store.JobStopped}},
	canceled: {store.JobCanceling: {to: store.JobCanceled}},
}

// Next is the status a job in status goes to on cmd; started says whether
// the job ever ran (it has a start date). ok is false when the lifecycle
// does not allow cmd in status.
func Next(status store.JobStatus, cmd Command, started bool) (next store.JobStatus, ok bool) {
	t, ok := machine[cmd][status]
	if !ok {
		return "", false
	}
	if !started && t.toIfNotStarted != "" {
		return t.toIfNotStarted, true
	}
	return t.to, true
}

// from lists the statuses cmd applies to (the guard of its SQL statement).
func from(cmd Command) []store.JobStatus {
	var out []store.JobStatus
	for st := range machine[cmd] {
		out = append(out, st)
	}
	slices.Sort(out)
	return out
}

// ValidStatus reports whether s is a job status.
func ValidStatus(s store.JobStatus) bool { return slices.Contains(Statuses, s) }
