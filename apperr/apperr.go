// Package apperr holds the error values of the apps REST API contract: a code
// from rest-api.md §2.2, a message and, for validation failures, per-field
// details. Every layer returns these; the HTTP layer only maps Code to a status.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Codes of rest-api.md §2.2.
const (
	BadRequest             = "badRequest"
	ValidationErrors       = "validationErrors"
	Unauthorized           = "unauthorized"
	Forbidden              = "forbidden"
	NotFound               = "notFound"
	OptimisticLocking      = "optimisticLocking"
	InternalError          = "internalError"
	ApplicationUnavailable = "applicationUnavailable"
)

// Per-field codes (rest-api.md §12 D2).
const (
	FieldRequired   = "required"
	FieldInvalid    = "invalid"
	FieldUnique     = "unique"
	FieldOutOfRange = "outOfRange"
	FieldTooLong    = "tooLong"
	FieldTooShort   = "tooShort"
	FieldNotAllowed = "notAllowed"
)

// FieldError is one entry of the "errors" array.
type FieldError struct {
	Field          string         `json:"field"`
	FieldLabel     *string        `json:"fieldLabel"`
	Code           string         `json:"code"`
	Message        string         `json:"message"`
	AdditionalInfo map[string]any `json:"additionalInfo"`
}

// Error is an API error with the body shape of rest-api.md §2.1.
type Error struct {
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Errors  []FieldError `json:"errors"`

	status int // the HTTP status when not the code's (TooLarge)
}

func (e *Error) Error() string {
	if len(e.Errors) > 0 {
		return fmt.Sprintf("%s: %s (%s: %s)", e.Code, e.Message, e.Errors[0].Field, e.Errors[0].Message)
	}
	return e.Code + ": " + e.Message
}

// Status is the HTTP status of the error: its code's, or 413 for TooLarge.
func (e *Error) Status() int {
	if e.status != 0 {
		return e.status
	}
	return Status(e.Code)
}

// Status maps a code to its HTTP status.
func Status(code string) int {
	switch code {
	case BadRequest, ValidationErrors:
		return http.StatusBadRequest
	case Unauthorized:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case OptimisticLocking:
		return http.StatusConflict
	case ApplicationUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// New builds an error with a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Errors: []FieldError{}}
}

// TooLarge is the badRequest of an upload over the size limit, answered
// with 413 Content Too Large.
func TooLarge(format string, args ...any) *Error {
	e := New(BadRequest, format, args...)
	e.status = http.StatusRequestEntityTooLarge
	return e
}

// Validation builds a validationErrors error from field errors.
func Validation(errs []FieldError) *Error {
	return &Error{Code: ValidationErrors, Message: "Some fields are not valid", Errors: errs}
}

// As returns the *Error inside err, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Is reports whether err carries the given code.
func Is(err error, code string) bool {
	e := As(err)
	return e != nil && e.Code == code
}

// Label returns a pointer to s, or nil when s is empty (fieldLabel is null then).
func Label(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
