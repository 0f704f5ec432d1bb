package deepgram

import "testing"

// Audio dropped before it reached Deepgram does not shift EndSample: Deepgram's times count
// only the audio it received, and the recognizer adds the gaps back.
func TestEndSampleCountsDroppedAudio(t *testing.T) {
	r := &Recognizer{chunkBytes: 160, audio: make(chan []byte, 2)}
	r.pending = make([]byte, 0, r.chunkBytes)
	frame := make([]int16, 160)
	for range 4 { // two queued, two dropped (the queue holds two)
		r.Write(frame)
	}
	if r.Dropped() != 2 {
		t.Fatalf("dropped %d, want 2", r.Dropped())
	}
	<-r.audio
	<-r.audio
	r.Write(frame) // queued: Deepgram has 480 samples, 320 of the 800 written were dropped

	final := func(start, dur float64) {
		m := &message{Type: "Results", Start: start, Duration: dur, IsFinal: true, SpeechFinal: true}
		m.Channel.Alternatives = append(m.Channel.Alternatives, struct {
			Transcript string `json:"transcript"`
		}{"x"})
		r.handle(m)
	}
	final(0, 0.02) // ends at 160 in Deepgram's audio: before the gap
	final(0, 0.06) // ends at 480 in Deepgram's audio: after it
	for _, want := range []int64{160, 800} {
		tr, ok := r.Next()
		if !ok || tr.EndSample != want {
			t.Fatalf("transcript %+v %v, want EndSample %d", tr, ok, want)
		}
	}
}
