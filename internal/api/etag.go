package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// withETag runs a GET handler into a buffer and, for a 200 answer, sets a strong ETag derived
// from the body; when If-None-Match names it (or is "*"), it answers 304 with no body.
func (s *Server) withETag(w http.ResponseWriter, r *http.Request, handle handlerFunc) error {
	buf := newBufferWriter()
	if err := handle(buf, r); err != nil {
		return err
	}
	if buf.status != 0 && buf.status != http.StatusOK {
		buf.flush(w)
		return nil
	}
	sum := sha256.Sum256(buf.body.Bytes())
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	buf.header.Set("ETag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		for k, v := range buf.header {
			if k != "Content-Length" && k != "Content-Type" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	buf.flush(w)
	return nil
}

// etagMatches applies If-None-Match's weak comparison: any listed tag, with or without W/.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
