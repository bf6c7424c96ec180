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
var lifecycle = map[string]map[Command][2]string{
	Pending: {
		Stop:  {Stopped, Stopped},
		claim: {Running, Running},
	},
	Running: {
		Stop:     {Stopping, Stopping},
		claim:    {Running, Running},
		complete: {Finished, Finished},
		release:  {Running, Running},
	},
	Stopping: {
		ForceStop: {Stopped, Stopped},
		complete:  {Finished, Finished},
		halt:      {Stopped, Stopped},
		release:   {Stopped, Stopped},
		expire:    {Stopped, Stopped},
	},
	Stopped: {
		Cancel: {Canceled, Canceled},
		Resume: {Running, Pending},
	},
	Canceling: {
		canceled: {Canceled, Canceled},
	},
	Canceled: {},
	Finished: {},
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
	for _, st := range []string{Canceled, Finished} {
		if !Terminal(st) {
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
	if _, ok := Next(Running, "pause", true); ok {
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
				j := &store.Job{ID: record.NewID(), Label: "j", Type: TypeDeleteRecords, Created: 1, Status: status, Stoppable: true}
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
				ch := &store.JobChange{From: from(cmd), To: Running, Now: 5}
				if ok {
					tr := machine[cmd][status]
					ch.From, ch.To, ch.ToIfNotStarted = []string{status}, tr.to, tr.toIfNotStarted
				}
				got, err := st.TransitionJob(ctx, j.ID, ch)
				switch {
				case ok && err != nil:
					t.Errorf("%s on %s (started %v): %v", cmd, status, started, err)
				case ok && got.Status != want:
					t.Errorf("%s on %s (started %v): %s, want %s", cmd, status, started, got.Status, want)
				case !ok && !errors.Is(err, store.ErrJobState):
					t.Errorf("%s on %s (started %v): %v, want refused", cmd, status, started, err)
				case ok && (got.Ended != 0) != Terminal(want):
					t.Errorf("%s on %s: end date %d", cmd, status, got.Ended)
				}
			}
		}
	}
}

func TestFromLists(t *testing.T) {
	for _, cmd := range Commands {
		var want []string
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
		status      string
		count, done int64
		want        int
	}{
		{Pending, 0, 0, 0}, {Running, 0, 0, 0}, {Running, 200, 1, 0}, {Running, 200, 100, 50},
		{Stopped, 3, 2, 66}, {Running, 10, 12, 100}, {Finished, 0, 0, 100}, {Finished, 10, 3, 100},
		{Canceled, 10, 3, 30},
	} {
		if got := Progress(&store.Job{Status: c.status, RecordsCount: c.count, RecordsProcessed: c.done}); got != c.want {
			t.Errorf("%s %d/%d: %d, want %d", c.status, c.done, c.count, got, c.want)
		}
	}
}
