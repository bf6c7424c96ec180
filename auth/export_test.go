package auth

import "runway/secret"

// What the external tests (package auth_test) look at inside the service.

// CachedCount is the number of cached sessions.
func (a *Service) CachedCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.sessions)
}

// IsCached reports whether token's session is cached.
func (a *Service) IsCached(token string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[secret.HashToken(token)] != nil
}
