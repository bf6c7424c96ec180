package jobs

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"runway/record"
	"runway/store"
	"runway/store/sqlite"
)

// lifecycle is rest-api.md §9.2 written out for every (status, command)
// pair: the new status for a job that ran, and for one that never did; ""
// means the command is refused (400 for user commands).
var lifecycle = map[store.JobStatus]map[Command][2]store.JobStatus{
	store.JobPending: {
		Stop:  {store.JobStopped, store.JobStopped},
		claim: {store.JobRunning, store.JobRunning},
	},
	store.JobRunning: {
		Stop:     {store.JobStopping, store.JobStopping},
		claim:    {store.JobRunning, store.JobRunning},
		complete: {store.JobFinished, store.JobFinished},
		release:  {store.JobRunning, store.JobRunning},
	},
	store.JobStopping: {
		ForceStop: {store.JobStopped, store.JobStopped},
		complete:  {store.JobFinished, store.JobFinished},
		halt:      {store.JobStopped, store.JobStopped},
		release:   {store.JobStopped, store.JobStopped},
		expire:    {store.JobStopped, store.JobStopped},
	},
	store.JobStopped: {
		Cancel: {store.JobCanceled, store.JobCanceled},
		Resume: {store.JobRunning, store.JobPending},
	},
	store.JobCanceling: {
		canceled: {store.JobCanceled, store.JobCanceled},
	},
	store.JobCanceled: {},
	store.JobFinished: {},
}

func TestMachineEveryPair(t *testing.T) {
	if len(lifecycle) != len(Statuses) {
		t.Fatalf("the test table has %d statuses, the package %d", len(lifecycle), len(Statuses))
	}
	for _, st := range Statuses {
		for _, cmd := range Commands {
			want := lifecycle[st][cmd]
			for i, started := range []bool{true, false} {
				got, ok := Next(st, cmd, started)
				if ok != (want[i] != "") || got != want[i] {
					t.Errorf("%s on %s (started %v): %q %v, want %q", cmd, st, started, got, ok, want[i])
				}
			}
		}
	}
	// The terminal statuses accept nothing.
	for _, st := range []store.JobStatus{store.JobCanceled, store.JobFinished} {
		if !st.Terminal() {
			t.Errorf("%s is not terminal", st)
		}
		for _, cmd := range Commands {
			if _, ok := Next(st, cmd, true); ok {
				t.Errorf("%s accepted on terminal %s", cmd, st)
			}
		}
	}
	// Unknown statuses and commands are refused.
	if _, ok := Next("DONE", Stop, true); ok {
		t.Error("unknown status accepted")
	}
	if _, ok := Next(store.JobRunning, "pause", true); ok {
		t.Error("unknown command accepted")
	}
}

// TestMachineInStore applies every command to a job in every status through
// the store's guarded statement (From = the statuses the machine allows):
// the store agrees with the machine on what applies and where it leads.
func TestMachineInStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, status := range Statuses {
		for _, cmd := range Commands {
			if cmd == claim {
				continue // a claim is store.ClaimJob (TestClaim in store/sqlite)
			}
			for _, started := range []bool{true, false} {
				j := &store.Job{ID: record.NewID(), Label: "j", Type: store.JobDeleteRecords, Created: 1, Status: status, Stoppable: true}
				if started {
					j.Started = 2
				}
				if err := st.CreateJob(ctx, j); err != nil {
					t.Fatal(err)
				}
				want, ok := Next(status, cmd, started)
				// Where a command leads may depend on the status it applies
				// to (stop, release): like the service, guard an allowed
				// command on the job's own status. A refused command is
				// tried with every status it accepts as the guard.
				ch := &store.JobChange{From: from(cmd), To: store.JobRunning, Now: 5}
				if ok {
					tr := machine[cmd][status]
					ch.From, ch.To, ch.ToIfNotStarted = []store.JobStatus{status}, tr.to, tr.toIfNotStarted
				}
				got, err := st.TransitionJob(ctx, j.ID, ch)
				switch {
				case ok && err != nil:
					t.Errorf("%s on %s (started %v): %v", cmd, status, started, err)
				case ok && got.Status != want:
					t.Errorf("%s on %s (started %v): %s, want %s", cmd, status, started, got.Status, want)
				case !ok && !errors.Is(err, store.ErrJobState):
					t.Errorf("%s on %s (started %v): %v, want refused", cmd, status, started, err)
				case ok && (got.Ended != 0) != want.Terminal():
					t.Errorf("%s on %s: end date %d", cmd, status, got.Ended)
				}
			}
		}
	}
}

func TestFromLists(t *testing.T) {
	for _, cmd := range Commands {
		var want []store.JobStatus
		for _, st := range Statuses {
			if _, ok := machine[cmd][st]; ok {
				want = append(want, st)
			}
		}
		slices.Sort(want)
		if got := from(cmd); !slices.Equal(got, want) {
			t.Errorf("from(%s) = %v, want %v", cmd, got, want)
		}
	}
}

func TestProgress(t *testing.T) {
	for _, c := range []struct {
		status      store.JobStatus
		count, done int64
		want        int
	}{
		{store.JobPending, 0, 0, 0}, {store.JobRunning, 0, 0, 0}, {store.JobRunning, 200, 1, 0}, {store.JobRunning, 200, 100, 50},
		{store.JobStopped, 3, 2, 66}, {store.JobRunning, 10, 12, 100}, {store.JobFinished, 0, 0, 100}, {store.JobFinished, 10, 3, 100},
		{store.JobCanceled, 10, 3, 30},
	} {
		if got := Progress(&store.Job{Status: c.status, RecordsCount: c.count, RecordsProcessed: c.done}); got != c.want {
			t.Errorf("%s %d/%d: %d, want %d", c.status, c.done, c.count, got, c.want)
		}
	}
}
