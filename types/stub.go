package types

// Temporary stubs; replaced by the real implementation.

import "time"
import "encoding/json"

func canonical(id string) (string, bool)                         { return id, true }
func parseRules(kind string, raw json.RawMessage) (*Rules, error) { return &Rules{}, nil }
func parse(kind string, r *Rules, v any) (any, *Problem)          { return v, nil }
func check(kind string, r *Rules, v any) (any, *Problem)          { return v, nil }
func isEmpty(kind string, v any) bool                             { return v == nil || v == "" }
func parseQuery(kind string, r *Rules, s string) (any, *Problem)  { return s, nil }
func format(kind string, r *Rules, d Display, v any, loc *time.Location) string {
	return ""
}
func supports(kind, op string) bool { return true }
