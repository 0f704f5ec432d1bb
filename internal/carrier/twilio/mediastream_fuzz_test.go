package twilio

import (
	"encoding/json"
	"errors"
	"strings"
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

// FuzzFastMediaMatchesJSON: whenever the fast reader of media messages accepts a message,
// encoding/json reads exactly the same message from it.
func FuzzFastMediaMatchesJSON(f *testing.F) {
	for _, s := range []string{
		`{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/////w=="},"streamSid":"MZ1"}`,
		` { "event" : "media" , "media" : { "payload" : "AA==" } , "streamSid" : "MZ1" } `,
		`{"event":"media","media":{"payload":"AA=="},"media":{"track":"x"},"streamSid":"MZ1"}`,
		`{"event":"media","media":null,"streamSid":"MZ1"}`,
		`{"event":"media","media":{"payload":"A\u0041=="},"streamSid":"MZ1"}`,
		`{"event":"mark","mark":{"name":"a"},"streamSid":"MZ1"}`,
		`{"event":"media","media":{"payload":"AA==","extra":"1"},"streamSid":"MZ1"}`,
		"{\"event\":\"media\",\"media\":{\"payload\":\"\xff\"},\"streamSid\":\"MZ1\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast Message
		var media MediaPayload
		if !fastMedia(data, &fast, &media) {
			return
		}
		var slow Message
		if err := json.Unmarshal(data, &slow); err != nil {
			t.Fatalf("fast reader accepted %q, encoding/json refused it: %v", data, err)
		}
		if fast.Event != slow.Event || fast.SequenceNumber != slow.SequenceNumber || fast.StreamSID != slow.StreamSID ||
			slow.Media == nil || *fast.Media != *slow.Media || slow.Start != nil || slow.DTMF != nil || slow.Mark != nil || slow.Stop != nil ||
			slow.Protocol != "" || slow.Version != "" {
			t.Fatalf("%q: fast %+v (media %+v), encoding/json %+v (media %+v)", data, fast, fast.Media, slow, slow.Media)
		}
	})
}

// TestParseMediaDoesNotAllocateMuch: reading a media message in Twilio's shape costs a few
// small strings, not encoding/json's reflection.
func TestParseMediaDoesNotAllocateMuch(t *testing.T) {
	msg := []byte(`{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"` +
		strings.Repeat("////", 40) + `"},"streamSid":"MZ0123456789abcdef0123456789abcdef"}`)
	var d decoder
	var m Message
	if err := d.parse(msg, &m); err != nil || len(d.audio) != 120 {
		t.Fatalf("parse: %v, %d bytes of audio", err, len(d.audio))
	}
	n := testing.AllocsPerRun(100, func() { _ = d.parse(msg, &m) })
	if n > 6 {
		t.Errorf("allocations per media message = %v, want at most 6 (one per string)", n)
	}
	t.Logf("%v allocations per media message", n)
}
