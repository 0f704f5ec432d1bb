package openaispeech

import (
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/dialtonehq/dialtone/internal/speech/openaispeech/openaitest"
)

// FuzzParseTranscription checks that any answer body gives either an error or trimmed text,
// and that an error quotes the body only as one line of valid UTF-8.
func FuzzParseTranscription(f *testing.F) {
	for _, s := range []string{`{"text":"hello"}`, `{"text":" hi \n"}`, `{"text":""}`, `{}`, `{"text":null}`,
		`{"text":1}`, `[]`, `hello`, "", `{"text":"\u00e9\ud800"}`, "\xff\xfe{"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		text, err := parseTranscription(raw)
		if err != nil {
			if text != "" {
				t.Fatalf("text %q with error %v", text, err)
			}
			if msg := err.Error(); !utf8.ValidString(msg) {
				t.Fatalf("error %q is not valid UTF-8", msg)
			}
			return
		}
		if len(text) > 0 && (text[0] == ' ' || text[len(text)-1] == ' ' || text[len(text)-1] == '\n') {
			t.Fatalf("text %q not trimmed", text)
		}
	})
}

// FuzzWAVRoundTrip checks that the fake reads back exactly the samples encodeWAV writes at
// 8 kHz, and the right number of samples at 16 kHz.
func FuzzWAVRoundTrip(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, false)
	f.Add([]byte{0xff, 0x7f, 0x00, 0x80, 0x01}, true)
	f.Fuzz(func(t *testing.T, b []byte, wide bool) {
		pcm := make([]int16, len(b)/2)
		for i := range pcm {
			pcm[i] = int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
		}
		rate := 8000
		if wide {
			rate = 16000
		}
		got, info, err := openaitest.DecodeWAV(encodeWAV(pcm, rate))
		if len(pcm) == 0 {
			if err == nil {
				t.Fatal("empty WAV accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if info.SampleRate != rate || info.Channels != 1 || info.Samples != len(pcm)*rate/8000 {
			t.Fatalf("info %+v for %d samples at %d Hz", info, len(pcm), rate)
		}
		if !wide && !slices.Equal(got, pcm) {
			t.Fatalf("samples %v, want %v", got, pcm)
		}
	})
}

// FuzzDecodeWAV checks that the fake's WAV reader survives any upload.
func FuzzDecodeWAV(f *testing.F) {
	f.Add(encodeWAV([]int16{1, -1, 300}, 8000))
	f.Add(encodeWAV([]int16{5, 6}, 16000))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pcm, info, err := openaitest.DecodeWAV(data)
		if err == nil && (len(pcm) == 0 || info.Samples == 0 || info.Channels < 1) {
			t.Fatalf("accepted %d samples, info %+v", len(pcm), info)
		}
	})
}
