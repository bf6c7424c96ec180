package script

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/data"
	"runway/history"
	"runway/record"
	"runway/store"
)

// Record history in scripts: record.auditLogs() is a
// sys.data.RecordAuditLogs — find(options), createLog(), lastModifiedLog()
// — whose entries are sys.data.RecordAuditLog objects. They read through
// the data service as the script's user (the auditLogs permission, the
// readable fields), like GET /data/{entity}/{id}/auditLogs.

// Page sizes of find (rest-api.md §6.12.1).
const (
	defaultHistorySize = 20
	maxHistorySize     = 1000
)

func (rt *runtime) recordAuditLogs(r *recordHost) goja.Value {
	if r.e == nil || r.id == "" {
		rt.throwf(apperr.BadRequest, "auditLogs() needs a stored record")
	}
	read := func(f data.HistoryFilter) []goja.Value {
		p, err := rt.e.data.RecordHistory(rt.x.ctx, rt.caller(), r.e, r.id, f)
		if err != nil {
			rt.throw(err)
		}
		out := make([]goja.Value, len(p.Items))
		for i, item := range p.Items {
			out[i] = rt.auditLog(item)
		}
		return out
	}
	one := func(events ...store.HistoryEvent) goja.Value {
		if logs := read(data.HistoryFilter{Events: events, Limit: 1}); len(logs) > 0 {
			return logs[0]
		}
		return goja.Null()
	}
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"find": func(c goja.FunctionCall) goja.Value {
			f, err := historyOptions(arg(c, 0))
			if err != nil {
				rt.throwf(apperr.BadRequest, "auditLogs().find: %v", err)
			}
			logs := read(f)
			list := make([]any, len(logs))
			for i, l := range logs {
				list[i] = l
			}
			return rt.vm.NewArray(list...)
		},
		// The creation is the oldest entry; a record has one at most.
		"createLog": func(goja.FunctionCall) goja.Value {
			return one(store.UserRecordCreated, store.ScriptRecordCreated)
		},
		// The last change made by a user (the docs: USER_RECORD_CHANGED
		// only).
		"lastModifiedLog": func(goja.FunctionCall) goja.Value { return one(store.UserRecordChanged) },
	})
}

// historyOptions reads the options of find: eventType (a comma list),
// from, to, size, offset.
func historyOptions(v goja.Value) (data.HistoryFilter, error) {
	f := data.HistoryFilter{Limit: defaultHistorySize}
	if isNothing(v) {
		return f, nil
	}
	o, ok := v.Export().(map[string]any)
	if !ok {
		return f, fmt.Errorf("the options must be an object")
	}
	var err error
	if s, ok := o["eventType"]; ok && s != nil {
		if f.Events, err = history.ParseEvents(fmt.Sprint(s)); err != nil {
			return f, err
		}
	}
	for _, b := range []struct {
		key string
		dst **int64
	}{{"from", &f.From}, {"to", &f.To}} {
		if x, ok := o[b.key]; ok && x != nil {
			n, err := wholeNumber(x)
			if err != nil {
				return f, fmt.Errorf("%s: %v", b.key, err)
			}
			*b.dst = &n
		}
	}
	if x, ok := o["size"]; ok && x != nil {
		n, err := wholeNumber(x)
		if err != nil || n <= 0 || n > maxHistorySize {
			return f, fmt.Errorf("size must be a whole number from 1 to %d", maxHistorySize)
		}
		f.Limit = int(n)
	}
	if x, ok := o["offset"]; ok && x != nil {
		s, _ := x.(string)
		if !record.IsID(s) {
			return f, fmt.Errorf("offset must be the id of an audit log")
		}
		f.Before = s
	}
	return f, nil
}

// wholeNumber reads a JavaScript number (or numeric string) that is an
// integer.
func wholeNumber(x any) (int64, error) {
	switch n := x.(type) {
	case int64:
		return n, nil
	case float64:
		if n == float64(int64(n)) {
			return int64(n), nil
		}
	case string:
		if v, err := strconv.ParseInt(n, 10, 64); err == nil {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%v is not a whole number", x)
}

// auditLog is a sys.data.RecordAuditLog over one entry as the API shows
// it.
func (rt *runtime) auditLog(item json.RawMessage) goja.Value {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(item))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		rt.throw(err)
	}
	get := func(key string) func(goja.FunctionCall) goja.Value {
		return func(goja.FunctionCall) goja.Value { return rt.plainJS(m[key]) }
	}
	fns := map[string]func(goja.FunctionCall) goja.Value{
		"toJson": func(goja.FunctionCall) goja.Value { return rt.plainJS(m) },
	}
	for method, key := range map[string]string{"id": "id", "timestamp": "timestamp", "eventCategory": "eventCategory",
		"eventType": "eventType", "user": "user", "ip": "ip", "oldRecord": "oldRecord", "newRecord": "newRecord",
		"recordId": "recordId", "recordName": "recordName", "contextPath": "contextPath"} {
		fns[method] = get(key)
	}
	return rt.obj(fns)
}
