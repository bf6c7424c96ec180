package api

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"runway/access"
	"runway/apperr"
	"runway/auth"
	"runway/data"
)

// guard is the one check every authenticated request passes after its token
// is accepted (app-model.md §6): maintenance mode (503 but for developers,
// super users and sessions they impersonate), the allowed IPs of the user's
// groups (403), and the restApiPermissions of the route's family (403).
// Entity, field and action permissions are the data service's.
func (s *Server) guard(r *http.Request, c *data.Caller) error {
	if !c.Developer && !c.SuperUser && !c.AdminPrivileged && s.auth.Maintenance(r.Context()) {
		return auth.ErrMaintenance
	}
	if !c.Policy.AllowsIP(c.IP) {
		return apperr.New(apperr.Forbidden, "Access from IP address %s is not allowed for this user", c.IP)
	}
	if api := s.apiFamily(r); api != 0 && !c.Policy.AllowsAPI(api) {
		return apperr.New(apperr.Forbidden, "The groups of this user do not allow the %s API", strings.ToLower(api.String()))
	}
	return nil
}

// apiFamily is the restApiPermissions family of a request (0: none):
// /data/** is the data API (a record's file is also a file read),
// POST /files an upload, other /files/** reads, /status/jobs/** jobs.
func (s *Server) apiFamily(r *http.Request) access.API {
	rel, ok := strings.CutPrefix(r.URL.Path, s.Base())
	if !ok {
		return 0
	}
	parts := strings.Split(strings.Trim(rel, "/"), "/")
	switch {
	case parts[0] == "data":
		if len(parts) >= 5 && parts[3] == "files" {
			return access.DataAPI | access.FilesReadAPI
		}
		return access.DataAPI
	case parts[0] == "files" && len(parts) == 1 && r.Method == http.MethodPost:
		return access.FilesUploadAPI
	case parts[0] == "files":
		return access.FilesReadAPI
	case parts[0] == "status" && len(parts) >= 2 && (parts[1] == "jobs" || parts[1] == "job"):
		return access.JobsAPI
	}
	return 0
}

// isHTTPS reports whether the client reached Runway over HTTPS: TLS here,
// or, behind a trusted proxy, X-Forwarded-Proto "https".
func (s *Server) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !s.cfg.TrustProxy {
		return false
	}
	return strings.EqualFold(lastForwarded(r.Header.Values("X-Forwarded-Proto")), "https")
}

// clientIP is the address the request came from: the peer, or, behind a
// trusted proxy, the last address of X-Forwarded-For (the one the proxy
// saw; earlier entries are the client's to invent).
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if ip, err := netip.ParseAddr(lastForwarded(r.Header.Values("X-Forwarded-For"))); err == nil {
			return ip.Unmap().String()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// lastForwarded is the last entry of a comma-separated forwarding header
// that may appear several times.
func lastForwarded(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// maintenanceState is the body of GET and PUT /maintenance.
type maintenanceState struct {
	Enabled bool `json:"enabled"`
}

// getMaintenance: GET /maintenance (developers only).
func (s *Server) getMaintenance(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	if !c.Developer {
		return errDevelopersOnly
	}
	return writeJSON(w, maintenanceState{Enabled: s.auth.Maintenance(r.Context())})
}

// putMaintenance: PUT /maintenance {"enabled": true|false} (developers
// only) turns maintenance mode on or off at once.
func (s *Server) putMaintenance(w http.ResponseWriter, r *http.Request, c *data.Caller) error {
	if !c.Developer {
		return errDevelopersOnly
	}
	body, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	on, ok := body["enabled"].(bool)
	if !ok || len(body) != 1 {
		return apperr.New(apperr.BadRequest, `The body must be {"enabled": true} or {"enabled": false}`)
	}
	if err := s.auth.SetMaintenance(r.Context(), on); err != nil {
		return err
	}
	return writeJSON(w, maintenanceState{Enabled: on})
}

var errDevelopersOnly = apperr.New(apperr.Forbidden, "Only developers may do this")
