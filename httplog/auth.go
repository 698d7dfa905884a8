package httplog

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// Realm is the realm of the challenges a refused request gets.
const Realm = "gwlog"

// RequireToken wraps h so that it serves only requests that carry token:
//
//	Authorization: Bearer TOKEN
//
// as API clients send it (curl -H, the gwlog CLI). Browsers cannot add
// that header to the page's requests (an EventSource has no headers), so
// Basic credentials whose password is the token are taken too: the
// browser asks once, with any user name, and sends them with every
// request of the page. Other requests answer 401 with a JSON error and
// both challenges, and h never sees them.
//
// The token is compared in constant time, by SHA-256 digest, so that
// timing reveals neither it nor its length. An empty token refuses every
// request: a caller that wants an open API does not wrap it. The handler
// is safe for concurrent use.
func RequireToken(h http.Handler, token string) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := presented(r.Header.Get("Authorization"))
		sum := sha256.Sum256([]byte(got))
		if ok && token != "" && subtle.ConstantTimeCompare(sum[:], want[:]) == 1 {
			h.ServeHTTP(w, r)
			return
		}
		msg := "unauthorized: want an Authorization: Bearer header with the API's token"
		bearer := `Bearer realm="` + Realm + `"`
		if ok {
			msg = "unauthorized: wrong token"
			bearer += `, error="invalid_token"`
		}
		w.Header().Add("WWW-Authenticate", bearer)
		w.Header().Add("WWW-Authenticate", `Basic realm="`+Realm+`", charset="UTF-8"`)
		w.Header().Set("Cache-Control", "no-store")
		writeError(w, http.StatusUnauthorized, msg)
	})
}

// presented returns the token in an Authorization header value: the
// credentials of the Bearer scheme, or the password of the Basic scheme.
// Scheme names are case-insensitive (RFC 9110, section 11.1).
func presented(header string) (string, bool) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok {
		return "", false
	}
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return cred, cred != ""
	case strings.EqualFold(scheme, "Basic"):
		b, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return "", false
		}
		_, pass, ok := strings.Cut(string(b), ":")
		return pass, ok && pass != ""
	}
	return "", false
}
