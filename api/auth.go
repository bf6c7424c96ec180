package api

import (
	"errors"
	"net/http"
	"strconv"

	"runway/apperr"
	"runway/auth"
	"runway/data"
)

// login: POST /auth/login (rest-api.md §5.1). "username" is an alias of
// "email" (Ambiguity 7).
func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *data.Caller) error {
	body, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	email, err := stringKey(body, "email")
	if err != nil {
		return err
	}
	if email == "" {
		if email, err = stringKey(body, "username"); err != nil {
			return err
		}
	}
	password, err := stringKey(body, "password")
	if err != nil {
		return err
	}
	imp, err := stringKey(body, "emailImpersonatedUser")
	if err != nil {
		return err
	}
	res, err := s.auth.Login(r.Context(), auth.Login{Email: email, Password: password, Impersonate: imp, IP: s.clientIP(r)})
	var limited *auth.LimitError
	if errors.As(err, &limited) {
		w.Header().Set("Retry-After", strconv.Itoa(limited.Seconds()))
	}
	if err != nil {
		return err
	}
	setUser(r, res.UserID)
	return writeJSON(w, res)
}

// stringKey reads an optional string key of a body.
func stringKey(body map[string]any, key string) (string, error) {
	v, ok := body[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", apperr.New(apperr.BadRequest, "%s must be a string", key)
	}
	return s, nil
}

// logout: POST /auth/logout revokes the token of the request.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ *data.Caller) error {
	if err := s.auth.Logout(r.Context(), r.Header.Get("token")); err != nil {
		return err
	}
	return writeJSON(w, map[string]string{"status": "ok"})
}
