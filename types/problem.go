package types

import "fmt"

// Per-field error codes of rest-api.md §12 D2 produced by this package.
const (
	CodeInvalid    = "invalid"
	CodeOutOfRange = "outOfRange"
	CodeTooLong    = "tooLong"
	CodeTooShort   = "tooShort"
)

// invalid reports a value of the wrong JSON type or format.
func invalid(v any, format string, args ...any) *Problem {
	return &Problem{
		Code:    CodeInvalid,
		Message: fmt.Sprintf(format, args...),
		Info:    map[string]any{"rejectedValue": v},
	}
}

// outOfRange reports a value below min or above max; a nil bound is left out
// of the additional info.
func outOfRange(v, min, max any, message string) *Problem {
	info := map[string]any{"rejectedValue": v}
	if min != nil {
		info["min"] = min
	}
	if max != nil {
		info["max"] = max
	}
	return &Problem{Code: CodeOutOfRange, Message: message, Info: info}
}

func tooLong(v any, max int) *Problem {
	return &Problem{
		Code:    CodeTooLong,
		Message: fmt.Sprintf("must be at most %d characters long", max),
		Info:    map[string]any{"rejectedValue": v, "maxLength": max},
	}
}

func tooShort(v any, min int) *Problem {
	return &Problem{
		Code:    CodeTooShort,
		Message: fmt.Sprintf("must be at least %d characters long", min),
		Info:    map[string]any{"rejectedValue": v, "minLength": min},
	}
}
