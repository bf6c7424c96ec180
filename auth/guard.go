package auth

import (
	"context"
	"sync"
	"time"
)

// Defaults of the login rate limit: failed logins per minute and burst, for
// each client IP and each email.
const (
	DefaultLoginRate  = 10
	DefaultLoginBurst = 5
)

// maxLimiterKeys bounds the memory of the rate limit.
const maxLimiterKeys = 10000

// limiter is a token bucket per key (an IP or an email): each failed login
// takes a token, tokens come back at rate per second up to burst, and a key
// without a token is refused before its password is checked.
type limiter struct {
	rate  float64 // tokens per second; 0 = no limit
	burst float64
	max   int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute float64, burst, maxKeys int) *limiter {
	return &limiter{rate: perMinute / 60, burst: float64(max(burst, 1)), max: maxKeys, buckets: map[string]*bucket{}}
}

// refill brings a bucket up to now.
func (l *limiter) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(l.burst, b.tokens+d.Seconds()*l.rate)
		b.last = now
	}
}

// wait is how long until every key has a token (0: go ahead).
func (l *limiter) wait(now time.Time, keys ...string) time.Duration {
	if l.rate <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var longest time.Duration
	for _, k := range keys {
		b := l.buckets[k]
		if b == nil {
			continue
		}
		l.refill(b, now)
		if b.tokens < 1 {
			longest = max(longest, time.Duration((1-b.tokens)/l.rate*float64(time.Second)))
		}
	}
	return longest
}

// take spends a token of every key (a failed login).
func (l *limiter) take(now time.Time, keys ...string) {
	if l.rate <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		b := l.buckets[k]
		if b == nil {
			l.makeRoom(now)
			b = &bucket{tokens: l.burst, last: now}
			l.buckets[k] = b
		}
		l.refill(b, now)
		b.tokens = max(0, b.tokens-1)
	}
}

// makeRoom keeps the map bounded: full buckets are forgotten (they are
// the same as no bucket), and if that is not enough, arbitrary ones.
func (l *limiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.max {
		return
	}
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max*9/10 {
			break
		}
		delete(l.buckets, k)
	}
}

// failures tracks the failed logins being written to user records, by
// email: a login waits for the earlier failures of its email to be counted,
// so the counting happens off the answer's path (a wrong password answers in
// the same time as an unknown email) and still in order.
type failures struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending map[string]int
}

func (f *failures) wait(key string) {
	f.mu.Lock()
	for f.pending[key] > 0 {
		f.cond.Wait()
	}
	f.mu.Unlock()
}

// countFailure counts a wrong password of the user in the background.
func (a *Service) countFailure(key, userID string) {
	a.fails.mu.Lock()
	a.fails.pending[key]++
	a.fails.mu.Unlock()
	a.bgWrite.Add(1)
	go func() {
		defer a.bgWrite.Done()
		defer func() {
			a.fails.mu.Lock()
			if a.fails.pending[key]--; a.fails.pending[key] <= 0 {
				delete(a.fails.pending, key)
			}
			a.fails.cond.Broadcast()
			a.fails.mu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		blocked, err := a.data.RecordFailedLogin(ctx, userID)
		if err != nil {
			a.log.Error("count failed login", "user", userID, "err", err)
		}
		if blocked && a.observer != nil {
			a.observer.UserLockedOut()
		}
	}()
}

// maintenanceKey is the app state key of the maintenance flag ("on" or
// unset).
const maintenanceKey = "maintenance"

// maintenanceTTL is how long the flag read from the store is trusted; a
// change through this process is seen at once, one made by another process
// sharing the store within this time.
const maintenanceTTL = 5 * time.Second

// maintenance caches the maintenance flag.
type maintenance struct {
	mu   sync.Mutex
	on   bool
	read time.Time // zero: never read
}

// Maintenance reports whether the app is in maintenance mode.
func (a *Service) Maintenance(ctx context.Context) bool {
	m := &a.maint
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.read.IsZero() && time.Since(m.read) < maintenanceTTL {
		return m.on
	}
	v, err := a.store.AppState(ctx, maintenanceKey)
	if err != nil {
		a.log.Error("read maintenance flag", "err", err)
		return m.on
	}
	m.on, m.read = v == "on", time.Now()
	return m.on
}

// SetMaintenance turns maintenance mode on or off.
func (a *Service) SetMaintenance(ctx context.Context, on bool) error {
	m := &a.maint
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := SetMaintenance(ctx, a.store, on); err != nil {
		return err
	}
	m.on, m.read = on, time.Now()
	a.log.Warn("maintenance mode", "on", on)
	return nil
}

// appState is the part of the store that holds runtime settings.
type appState interface {
	AppState(ctx context.Context, key string) (string, error)
	SetAppState(ctx context.Context, key, value string) error
}

// SetMaintenance writes the maintenance flag to a store (the offline CLI).
func SetMaintenance(ctx context.Context, st appState, on bool) error {
	v := ""
	if on {
		v = "on"
	}
	return st.SetAppState(ctx, maintenanceKey, v)
}

// MaintenanceOn reads the maintenance flag from a store (the offline CLI).
func MaintenanceOn(ctx context.Context, st appState) (bool, error) {
	v, err := st.AppState(ctx, maintenanceKey)
	return v == "on", err
}
