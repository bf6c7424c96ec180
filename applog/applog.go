// Package applog is the app log (rest-api.md §8): what the runtime, the
// scripts (sys.logs) and clients (POST /status/logs) say about the app,
// kept in the store so that every process of the app reads the logs of
// all of them, and pruned after a retention time.
//
// Writes from the runtime and scripts are queued and written in batches
// by one goroutine once Start ran (a log must never slow the request that
// writes it); a reader first waits for what its own process queued.
package applog

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"runway/apperr"
	"runway/clock"
	"runway/data"
	"runway/record"
	"runway/store"
	"runway/types"
)

// DefaultRetention is how long logs are kept when Options say nothing
// (--log-retention).
const DefaultRetention = 30 * 24 * time.Hour

// Options tune the app log; the zero value is the defaults.
type Options struct {
	// Retention: logs older than this are deleted (0: DefaultRetention,
	// negative: never).
	Retention time.Duration
}

// Service writes and reads the app log of one app.
type Service struct {
	store store.Store
	clock clock.Clock
	log   *slog.Logger
	opts  Options

	mu      sync.Mutex
	queue   chan queued // nil until Start: writes are synchronous
	stopped chan struct{}
}

// queued is a log to write, or (log nil) a flush marker closed once
// everything queued before it is written.
type queued struct {
	log  *store.AppLog
	done chan struct{}
}

// Queue sizes.
const (
	queueSize = 4096 // logs waiting; a writer blocks beyond
	batchSize = 500  // logs per transaction
)

// MaxMessage is the longest message kept, in bytes (longer script
// messages are cut, a longer POSTed message is refused).
const MaxMessage = 64 << 10

// New returns the app log over st.
func New(st store.Store, c clock.Clock, log *slog.Logger, opts Options) *Service {
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	return &Service{store: st, clock: clock.OrSystem(c), log: log, opts: opts}
}

// Start starts the goroutine that writes queued logs.
func (s *Service) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queue != nil {
		return
	}
	s.queue, s.stopped = make(chan queued, queueSize), make(chan struct{})
	go s.run(s.queue, s.stopped)
}

// Close writes what is queued and stops the writer; later writes are
// synchronous again.
func (s *Service) Close() {
	s.mu.Lock()
	q, stopped := s.queue, s.stopped
	s.queue = nil
	s.mu.Unlock()
	if q != nil {
		close(q)
		<-stopped
	}
}

func (s *Service) run(q chan queued, stopped chan struct{}) {
	defer close(stopped)
	var logs []store.AppLog
	var marks []chan struct{}
	for first := range q {
		logs, marks = logs[:0], marks[:0]
		add := func(it queued) {
			if it.log != nil {
				logs = append(logs, *it.log)
			} else {
				marks = append(marks, it.done)
			}
		}
		add(first)
	drain:
		for len(logs) < batchSize {
			select {
			case it, ok := <-q:
				if !ok {
					break drain
				}
				add(it)
			default:
				break drain
			}
		}
		if len(logs) > 0 {
			s.write(context.Background(), logs)
		}
		for _, m := range marks {
			close(m)
		}
	}
}

func (s *Service) write(ctx context.Context, logs []store.AppLog) {
	if err := s.store.AddAppLogs(ctx, logs...); err != nil {
		s.log.Error("write app logs", "count", len(logs), "err", err)
	}
}

// Flush waits until the logs this process queued so far are written.
func (s *Service) Flush(ctx context.Context) {
	done := make(chan struct{})
	s.mu.Lock()
	if s.queue == nil {
		s.mu.Unlock()
		return
	}
	select {
	case s.queue <- queued{done: done}:
	case <-ctx.Done():
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Entry is what the runtime or a script has to say.
type Entry struct {
	Type    store.AppLogType // "" = APP
	SubType store.AppLogSubType
	Level   store.LogLevel // "" = DefaultLevel
	Message string
	// AdditionalInfo is a JSON object (nil: none).
	AdditionalInfo map[string]any
}

// Write logs e as said by c (nil: the system), in the background once
// Start ran. It never fails: a log that cannot be written is reported in
// the server log.
func (s *Service) Write(ctx context.Context, c *data.Caller, e Entry) {
	l := s.newLog(c, e)
	s.mu.Lock()
	if s.queue != nil {
		// Under the lock, so Close cannot close the queue meanwhile; the
		// writer never takes the lock.
		select {
		case s.queue <- queued{log: l}:
			s.mu.Unlock()
			return
		case <-ctx.Done():
			s.mu.Unlock()
			return
		}
	}
	s.mu.Unlock()
	s.write(ctx, []store.AppLog{*l})
}

func (s *Service) newLog(c *data.Caller, e Entry) *store.AppLog {
	if c == nil {
		c = data.SystemCaller
	}
	l := &store.AppLog{ID: record.NewID(), Type: e.Type, SubType: e.SubType, Level: e.Level,
		Message: cleanText(e.Message), UserEmail: c.Email, AdminUserEmail: c.AdminEmail, IP: c.IP,
		Time: s.clock.Now().UnixMilli()}
	if l.Type == "" {
		l.Type = store.AppLogApp
	}
	if l.Level == "" {
		l.Level = DefaultLevel
	}
	if len(e.AdditionalInfo) > 0 {
		if b, err := json.Marshal(e.AdditionalInfo); err == nil {
			l.AdditionalInfo = b
		}
	}
	return l
}

// cleanText makes a message storable on every store: valid UTF-8, no NUL,
// at most MaxMessage bytes.
func cleanText(s string) string {
	if types.TextProblem(s) != "" {
		s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	}
	if len(s) > MaxMessage {
		s = strings.ToValidUTF8(s[:MaxMessage], "")
	}
	return s
}

// Log is an app log as the API shows it (rest-api.md §8.1).
type Log struct {
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	SubType        *string         `json:"subType"`
	Level          string          `json:"level"`
	Message        string          `json:"message"`
	UserEmail      *string         `json:"userEmail"`
	AdminUserEmail *string         `json:"adminUserEmail"`
	Timestamp      int64           `json:"timestamp"`
	IP             *string         `json:"ip"`
	AdditionalInfo json.RawMessage `json:"additionalInfo"`
}

func view(l *store.AppLog) *Log {
	v := &Log{ID: l.ID, Type: string(l.Type), SubType: orNull(string(l.SubType)), Level: string(l.Level),
		Message: l.Message, UserEmail: orNull(l.UserEmail), AdminUserEmail: orNull(l.AdminUserEmail),
		Timestamp: l.Time, IP: orNull(l.IP), AdditionalInfo: l.AdditionalInfo}
	if v.AdditionalInfo == nil {
		v.AdditionalInfo = json.RawMessage(`{}`)
	}
	return v
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Page is a page of logs (rest-api.md §8.2).
type Page struct {
	Total  int64   `json:"total"`
	Offset *string `json:"offset"`
	Items  []*Log  `json:"items"`
}

// Allowed checks that c may read and write the app log: developers only
// (rest-api.md §8.2, §8.3; and the system).
func Allowed(c *data.Caller) error {
	if c == nil || !c.Developer && !c.System {
		return apperr.New(apperr.Forbidden, "Only developers may read and write the app log")
	}
	return nil
}

// List reads a page of logs, newest first (rest-api.md §8.2). f.Limit is
// the page size (> 0).
func (s *Service) List(ctx context.Context, c *data.Caller, f Filter) (*Page, error) {
	if err := Allowed(c); err != nil {
		return nil, err
	}
	s.Flush(ctx)
	size := f.Limit
	f.Limit = size + 1
	rows, total, err := s.store.AppLogs(ctx, &f)
	if err != nil {
		return nil, err
	}
	rows, next := store.NextPage(rows, size, func(l *store.AppLog) string { return l.ID })
	p := &Page{Total: total, Offset: next, Items: make([]*Log, len(rows))}
	for i := range rows {
		p.Items[i] = view(&rows[i])
	}
	return p, nil
}

// ClientLevels are the levels a client may give a log (rest-api.md §8.3);
// Levels are those a log may have (scripts' debug lines too); Types the
// types of logs.
var (
	ClientLevels = []store.LogLevel{store.LogInfo, store.LogWarn, store.LogError}
	Levels       = []store.LogLevel{store.LogDebug, store.LogInfo, store.LogWarn, store.LogError}
	Types        = []store.AppLogType{store.AppLogApp, store.AppLogEndpoint, store.AppLogExternal}
)

// DefaultLevel is the level of a log that names none.
const DefaultLevel = store.LogInfo

// Filter selects logs (rest-api.md §8.2).
type Filter = store.AppLogFilter

// Create writes a log sent by a client (POST /status/logs, rest-api.md
// §8.3): type EXTERNAL, the caller's identity, now. The body is checked
// first: message required (a string), level one of ClientLevels (INFO when
// absent), additionalInfo an object.
func (s *Service) Create(ctx context.Context, c *data.Caller, body map[string]any) (*Log, error) {
	if err := Allowed(c); err != nil {
		return nil, err
	}
	e := Entry{Type: store.AppLogExternal, Level: DefaultLevel}
	var errs []apperr.FieldError
	bad := func(field, code, msg string, info map[string]any) {
		errs = append(errs, apperr.FieldError{Field: field, Code: code, Message: msg, AdditionalInfo: info})
	}
	switch m := body["message"].(type) {
	case nil:
		bad("message", "required", "The message is required", nil)
	case string:
		switch {
		case strings.TrimSpace(m) == "":
			bad("message", "required", "The message is required", nil)
		case types.TextProblem(m) != "":
			bad("message", "invalid", "The message must be text "+types.TextProblem(m), nil)
		case len(m) > MaxMessage:
			bad("message", "tooLong", "The message is longer than the limit", map[string]any{"maxLength": MaxMessage})
		default:
			e.Message = m
		}
	default:
		bad("message", "invalid", "The message must be a string", map[string]any{"rejectedValue": m})
	}
	switch l := body["level"].(type) {
	case nil:
	case string:
		i := slices.IndexFunc(ClientLevels, func(x store.LogLevel) bool { return strings.EqualFold(string(x), l) })
		if i < 0 {
			bad("level", "invalid", "The level must be INFO, WARN or ERROR", map[string]any{"rejectedValue": l})
		} else {
			e.Level = ClientLevels[i]
		}
	default:
		bad("level", "invalid", "The level must be INFO, WARN or ERROR", map[string]any{"rejectedValue": l})
	}
	switch info := body["additionalInfo"].(type) {
	case nil:
	case map[string]any:
		e.AdditionalInfo = info
	default:
		bad("additionalInfo", "invalid", "additionalInfo must be an object", nil)
	}
	if len(errs) > 0 {
		return nil, apperr.Validation(errs)
	}
	l := s.newLog(c, e)
	if err := s.store.AddAppLogs(ctx, *l); err != nil {
		return nil, err
	}
	return view(l), nil
}

// PruneBatch is how many logs one pruning step deletes at most.
const PruneBatch = 1000

// PruneStep deletes one batch of logs older than the retention; 0 means
// nothing is left to prune now.
func (s *Service) PruneStep(ctx context.Context) (int64, error) {
	if s.opts.Retention < 0 {
		return 0, nil
	}
	return s.store.PruneAppLogs(ctx, s.clock.Now().Add(-s.opts.Retention).UnixMilli(), PruneBatch)
}
