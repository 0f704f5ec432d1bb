package elevenlabs

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dialtonehq/dialtone/internal/speech/ttsstream"
)

// APIError is a request ElevenLabs refused: its status, its code (detail.status, e.g.
// "invalid_api_key", "voice_not_found"; may be empty) and its message (detail.message, the
// validation messages, or the start of another body). It never contains the API key.
type APIError = ttsstream.APIError

// parseError reads ElevenLabs' error body: {"detail": {"status", "message"}}, or for a
// malformed request {"detail": [{"loc", "msg", "type"}, …]}, or {"detail": "message"}.
func parseError(raw []byte) (code, message string, ok bool) {
	var body struct {
		Detail json.RawMessage `json:"detail"`
	}
	var obj struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	var list []struct {
		Loc []any  `json:"loc"`
		Msg string `json:"msg"`
	}
	var str string
	switch {
	case json.Unmarshal(raw, &body) != nil || len(body.Detail) == 0:
		return "", "", false
	case json.Unmarshal(body.Detail, &obj) == nil:
		return obj.Status, obj.Message, true
	case json.Unmarshal(body.Detail, &list) == nil:
		var msgs []string
		for _, it := range list {
			loc := make([]string, len(it.Loc))
			for i, l := range it.Loc {
				loc[i] = fmt.Sprint(l)
			}
			msgs = append(msgs, strings.Join(loc, ".")+": "+it.Msg)
		}
		return "", strings.Join(msgs, "; "), true
	case json.Unmarshal(body.Detail, &str) == nil:
		return "", str, true
	}
	return "", "", false
}
