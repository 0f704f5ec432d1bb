package twilio

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/dialtonehq/dialtone"
)

// FuzzParseMessage: ParseMessage never panics, every error wraps ErrMalformed, and a
// message it accepts survives a round trip through json.Marshal unchanged in meaning.
func FuzzParseMessage(f *testing.F) {
	const sid = `"streamSid":"MZ0123456789abcdef0123456789abcdef"`
	for _, s := range []string{
		`{"event":"connected","protocol":"Call","version":"1.0.0"}`,
		`{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"k":"v"}},"streamSid":"MZ1"}`,
		`{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/////w=="},` + sid + `}`,
		`{"event":"dtmf",` + sid + `,"sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}`,
		`{"event":"mark","sequenceNumber":"4",` + sid + `,"mark":{"name":"my label"}}`,
		`{"event":"stop","sequenceNumber":"5","stop":{"accountSid":"AC1","callSid":"CA1"},` + sid + `}`,
		`{"event":"clear",` + sid + `}`,
		`{"event":"media",` + sid + `,"media":{"payload":"***"}}`,
		`null`, `[]`, `{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMessage(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal of an accepted message: %v", err)
		}
		m2, err := ParseMessage(b)
		if err != nil {
			t.Fatalf("re-encoded message %s refused: %v", b, err)
		}
		if m2.Event != m.Event || m2.StreamSID != m.StreamSID || m2.SequenceNumber != m.SequenceNumber {
			t.Fatalf("round trip changed %+v into %+v", m, m2)
		}
		if m.Event == EventMedia {
			a1, err1 := DecodeMediaPayload(&m)
			a2, err2 := DecodeMediaPayload(&m2)
			if err1 != nil || err2 != nil || string(a1) != string(a2) || len(a1) == 0 {
				t.Fatalf("media payload round trip: %x %v / %x %v", a1, err1, a2, err2)
			}
		}
	})
}

// The encoder is internal, so its allocation check lives in this internal test file
// (mediastream_test.go is an external test: it imports twiliotest, which imports this package).
func TestEncodeMediaDoesNotAllocate(t *testing.T) {
	var e encoder
	e.init("MZ0123456789abcdef0123456789abcdef")
	var f dialtone.AudioFrame
	buf := e.media(nil, f[:])
	if n := testing.AllocsPerRun(100, func() { buf = e.media(buf, f[:]) }); n != 0 {
		t.Errorf("allocations per media message = %v, want 0", n)
	}
}
