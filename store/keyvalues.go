package store

import "context"

// KeyValues is the app's key/value table: sys.storage's entries and
// sys.cache's maps, each in its space ("storage", "cache:<map>"). Every
// process on the store shares it. An entry past its Expires reads as
// absent everywhere; writes remove the expired ones.
type KeyValues interface {
	// GetValue reads an entry (found false when there is none).
	GetValue(ctx context.Context, space, key string, now int64) (kv KeyValue, found bool, err error)
	// PutValue writes kv as mode allows and returns the entry it replaced
	// (hadPrev false when there was none) and whether it wrote.
	PutValue(ctx context.Context, kv KeyValue, mode PutMode, now int64) (prev KeyValue, hadPrev, written bool, err error)
	// DeleteValue removes an entry and returns it (found false when there
	// was none).
	DeleteValue(ctx context.Context, space, key string, now int64) (kv KeyValue, found bool, err error)
	// ClearValues removes every entry of a space, or with prefix of every
	// space that starts with it.
	ClearValues(ctx context.Context, space string, prefix bool) error
	// ValueKeys lists the keys of a space, in byte order.
	ValueKeys(ctx context.Context, space string, now int64) ([]string, error)
	// ValueSpaces lists the spaces that start with prefix and hold an
	// entry, in byte order.
	ValueSpaces(ctx context.Context, prefix string, now int64) ([]string, error)
}

// KeyValue is one entry.
type KeyValue struct {
	Space, Key string
	// Value is JSON, or, when Sealed, a value sealed with the app's key
	// (secret.Seal) that the store keeps as it is.
	Value  []byte
	Sealed bool
	// Expires is when the entry goes (Unix ms); 0 is never.
	Expires int64
}

// PutMode says when PutValue writes.
type PutMode int

const (
	PutAlways    PutMode = iota // write, replacing any entry
	PutIfAbsent                 // write only where there is no entry
	PutIfPresent                // write only over an entry (replace)
)
