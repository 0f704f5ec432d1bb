package media

import (
	"testing"
	"time"
)

func TestFrameConstants(t *testing.T) {
	if got := time.Duration(FrameSamples) * time.Second / SampleRate; got != FrameDuration {
		t.Errorf("FrameSamples at SampleRate lasts %v, want %v", got, FrameDuration)
	}
	if got := time.Duration(WidebandFrameSamples) * time.Second / WidebandSampleRate; got != FrameDuration {
		t.Errorf("WidebandFrameSamples at WidebandSampleRate lasts %v, want %v", got, FrameDuration)
	}
	if MulawToLinear(MulawSilence) != 0 {
		t.Errorf("MulawSilence does not decode to 0")
	}
}

// BenchmarkCallTick is the media work of one call for one 20 ms tick with all the pieces in
// this package: the caller's frame goes through the jitter buffer, is decoded, upsampled for
// speech-to-text and recorded; the agent's 16 kHz speech is downsampled, encoded and recorded.
func BenchmarkCallTick(b *testing.B) {
	j := NewJitterBuffer(3)
	var up Upsampler
	var down Downsampler
	file := &memFile{data: make([]byte, 0, 64<<20)}
	rec, err := NewRecorder(file)
	if err != nil {
		b.Fatal(err)
	}
	var in, out, played Frame
	EncodeFrame(&in, toneFrame(1000, 0))
	agent := WidebandFrame(sine(WidebandFrameSamples, WidebandSampleRate, 400, 8000, 0))
	var pcm, agentPCM PCMFrame
	var wide WidebandFrame
	b.ReportAllocs()
	seq, slot := uint16(0), int64(0)
	for b.Loop() {
		if slot == 90000 { // 30 minutes: start a new file so it stays in memory
			file.data, file.pos, slot = file.data[:0], 0, 0
			if rec, err = NewRecorder(file); err != nil {
				b.Fatal(err)
			}
		}
		j.Push(seq, &in)
		if _, st := j.Pop(&played); st == JitterPlayed {
			DecodeFrame(&pcm, &played)
			up.UpsampleFrame(&wide, &pcm)
			rec.WriteFrame(ChannelCaller, slot, &pcm)
		}
		down.DownsampleFrame(&agentPCM, &agent)
		EncodeFrame(&out, &agentPCM)
		rec.WriteFrame(ChannelAgent, slot, &agentPCM)
		seq++
		slot++
	}
}
