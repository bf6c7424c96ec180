package jobs

import (
	"maps"
	"testing"
	"testing/fstest"

	"runway/app"
)

func TestQueueLimits(t *testing.T) {
	a, _, err := app.Load(fstest.MapFS{
		"app.json": {Data: []byte(`{"name": "q", "jobQueues": [{"name": "pair", "maxThreads": 2},
			{"name": "heavy", "maxThreads": 3}, {"name": "declared"}]}`)},
		"model/entities/items.json": {Data: []byte(`{"name": "items", "fields": [{"name": "n", "type": "text"}],
			"actions": [{"name": "a", "queue": "serial"}, {"name": "b", "queue": "mix"}, {"name": "c", "queue": "pair"},
				{"name": "d"}]}`)},
		"model/listeners/l.json": {Data: []byte(`{"name": "l", "type": "custom", "queue": "listening", "action": "js/x"}`)},
		"model/listeners/l.js":   {Data: []byte(`function x(event) {}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"pair": 2, "heavy": 3, "declared": 1, "serial": 1, "listening": 1}
	if got := QueueLimits(a); !maps.Equal(got, want) {
		t.Errorf("limits %v, want %v", got, want)
	}
	if got := QueueLimits(&app.App{}); got != nil {
		t.Errorf("no queues: %v", got)
	}
	if queueOf("") != "mix" || queueOf("serial") != "serial" {
		t.Error("queueOf")
	}
}
