package jobs

import (
	"runway/app"
)

// Job queues (app.json "jobQueues", an action's or a listener's "queue";
// the platform's jobs-queues page): background actions and listeners run
// in a named queue, mix by default. A queue runs at most its maxThreads
// jobs at once, across every process sharing the store; a queue that
// app.json does not declare (or declares without maxThreads) runs one job
// at a time — naming a queue is how an app serializes its jobs — except
// the built-in mix, light, heavy and system queues, which run as many jobs
// as there are workers unless app.json gives them a maxThreads. Jobs of a
// full queue wait PENDING while the workers take other jobs.

// DefaultQueue is the queue of actions and listeners that name none.
const DefaultQueue = "mix"

// builtinQueues are the platform's queues (app-model.md §1.2).
var builtinQueues = map[string]bool{"mix": true, "light": true, "heavy": true, "system": true}

// QueueLimits are the queues of a that run a limited number of jobs at
// once (store.JobClaim.Limits).
func QueueLimits(a *app.App) map[string]int {
	limits := map[string]int{}
	named := func(q string) {
		if q != "" && !builtinQueues[q] {
			if _, set := limits[q]; !set {
				limits[q] = 1
			}
		}
	}
	for _, name := range a.EntityNames {
		for _, act := range a.Entities[name].Actions {
			named(act.Queue)
		}
	}
	for _, l := range a.Listeners {
		named(l.Queue)
	}
	for _, q := range a.JobQueues {
		if q.MaxThreads > 0 {
			limits[q.Name] = q.MaxThreads
		} else {
			named(q.Name)
		}
	}
	if len(limits) == 0 {
		return nil
	}
	return limits
}

// queueOf is the queue a job of an action or listener runs in.
func queueOf(q string) string {
	if q == "" {
		return DefaultQueue
	}
	return q
}
