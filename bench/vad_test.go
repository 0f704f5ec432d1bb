package bench

// Voice activity detection: internal/media/vad against WebRTC VAD on labelled telephone audio.
//
// WebRTC VAD is libfvad (BSD-3-Clause, see testdata/vad/LICENSE.fvad) compiled to WebAssembly,
// the file fvad.wasm of the npm package @echogarden/fvad-wasm@0.2.0, used unmodified as a binary
// and run in pure Go under wazero. Its exports are minified; the mapping used here is the one
// in that package's fvad.js: d = constructors, e = fvad_new, f = malloc, j = fvad_set_mode,
// k = fvad_set_sample_rate, l = fvad_process; imports a.a = __assert_fail and
// a.b = emscripten_resize_heap. When the file is absent the WebRTC half is skipped.
//
// The corpus (built at run time, deterministic): 36 sentences synthesised by espeak-ng (four
// voices), resampled to 8 kHz, separated by 0.4–2 s of silence, labelled per 20 ms frame by
// construction (speech where the clean audio is no more than 40 dB below its loudest frame),
// then mixed with white or pink noise at several SNRs and passed through G.711 µ-law. Without
// espeak-ng the speech-like synthetic signal of vadtest is used instead (and said so).
//
//	go test -run TestVADCompare -v ./bench/
//	go test -run '^$' -bench BenchmarkVAD -benchtime 2s -count 5 ./bench/

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/media/vad"
	"github.com/dialtonehq/dialtone/internal/media/vad/vadtest"
)

const fvadWasmPath = "testdata/vad/fvad.wasm"

// webrtcVAD is one libfvad instance in its own wasm module instance.
type webrtcVAD struct {
	ctx     context.Context
	rt      wazero.Runtime
	mem     api.Memory
	process api.Function
	inst    uint64
	buf     uint32
	bytes   [2 * media.FrameSamples]byte
	stack   [3]uint64
}

func newWebRTCVAD(tb testing.TB, mode int) *webrtcVAD {
	tb.Helper()
	wasm, err := os.ReadFile(fvadWasmPath)
	if err != nil {
		tb.Skipf("WebRTC VAD comparison skipped: %s not found (npm pack @echogarden/fvad-wasm@0.2.0 and copy fvad.wasm there)", fvadWasmPath)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	tb.Cleanup(func() { rt.Close(ctx) })
	_, err = rt.NewHostModuleBuilder("a").
		NewFunctionBuilder().WithFunc(func(context.Context, int32, int32, int32, int32) {
		panic("fvad: assertion failed")
	}).Export("a").
		NewFunctionBuilder().WithFunc(func(context.Context, int32) int32 { return 0 }).Export("b").
		Instantiate(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	mod, err := rt.Instantiate(ctx, wasm)
	if err != nil {
		tb.Fatal(err)
	}
	call := func(name string, args ...uint64) uint64 {
		res, err := mod.ExportedFunction(name).Call(ctx, args...)
		if err != nil {
			tb.Fatalf("fvad %s: %v", name, err)
		}
		if len(res) == 0 {
			return 0
		}
		return res[0]
	}
	call("d")
	inst := call("e")
	if inst == 0 {
		tb.Fatal("fvad_new failed")
	}
	if r := call("k", inst, media.SampleRate); r != 0 {
		tb.Fatalf("fvad_set_sample_rate: %d", int32(r))
	}
	if r := call("j", inst, uint64(mode)); r != 0 {
		tb.Fatalf("fvad_set_mode: %d", int32(r))
	}
	buf := uint32(call("f", 2*media.FrameSamples))
	return &webrtcVAD{ctx: ctx, rt: rt, mem: mod.Memory(), process: mod.ExportedFunction("l"), inst: inst, buf: buf}
}

// Process returns libfvad's decision for one frame. It does not allocate.
func (w *webrtcVAD) Process(f *media.PCMFrame) bool {
	for i, s := range f {
		binary.LittleEndian.PutUint16(w.bytes[2*i:], uint16(s))
	}
	w.mem.Write(w.buf, w.bytes[:])
	w.stack[0], w.stack[1], w.stack[2] = w.inst, uint64(w.buf), media.FrameSamples
	if err := w.process.CallWithStack(w.ctx, w.stack[:]); err != nil {
		panic(err)
	}
	return int32(w.stack[0]) == 1
}

var vadSentences = []string{
	"Hello, thank you for calling. How can I help you today?",
	"I would like to book an appointment for next Tuesday afternoon.",
	"Could you tell me your account number, please?",
	"It is four five seven, two two one, nine eight.",
	"Sure, one moment while I look that up for you.",
	"The delivery was supposed to arrive yesterday, but it never came.",
	"I am sorry to hear that. Let me check the tracking information.",
	"Yes, that's right.",
	"No, I don't think so.",
	"Can you repeat that more slowly?",
	"Our office is open from nine in the morning until six in the evening.",
	"Please hold while I transfer you to the billing department.",
	"My name is Sarah Johnson, spelled J O H N S O N.",
	"The total comes to forty two dollars and fifteen cents.",
	"Would you like to pay by card or by bank transfer?",
	"Thanks so much, have a great day.",
	"Hmm, let me think about it.",
	"I'm calling about the invoice I received last week.",
	"There seems to be a mistake in the amount charged.",
	"We will send you a confirmation by text message.",
	"Is there anything else I can help you with?",
	"Actually, yes. I also need to change my address.",
	"The new address is twelve Oak Street, Springfield.",
	"Okay.",
	"Great, that has been updated.",
	"What time does the pharmacy close on Saturdays?",
	"The weather forecast says heavy rain tomorrow.",
	"I need to cancel my reservation for Friday night.",
	"Your reference number is A B seven three nine.",
	"Press one for sales, two for support, or stay on the line.",
	"She said she would call back after lunch.",
	"We apologise for the inconvenience.",
	"Could I speak to the manager, please?",
	"The train to Boston leaves at half past eight.",
	"Right, right, I see what you mean.",
	"Goodbye.",
}

var vadVoices = []string{"en-us", "en-us+f3", "en-gb", "en-us+m5"}

// espeakCorpus returns the espeak-ng corpus, or nil when espeak-ng is not installed.
func espeakCorpus(tb testing.TB) *vadtest.Corpus {
	tb.Helper()
	utts := make([][]int16, 0, len(vadSentences))
	for i, s := range vadSentences {
		pcm, err := vadtest.Espeak(vadVoices[i%len(vadVoices)], s)
		if err == vadtest.ErrNoEspeak {
			return nil
		}
		if err != nil {
			tb.Fatalf("espeak-ng: %v", err)
		}
		utts = append(utts, pcm)
	}
	return vadtest.BuildCorpus(utts, 7)
}

// syntheticCorpus returns 36 utterances (1–4 s) of vadtest's speech-like signal.
func syntheticCorpus() *vadtest.Corpus {
	utts := make([][]int16, 0, 36)
	for j := range 36 {
		utts = append(utts, vadtest.SpeechLike(uint64(j+1), 1+float64(j%4)))
	}
	return vadtest.BuildCorpus(utts, 7)
}

type vadCondition struct {
	name  string
	noise string
	snr   float64
}

var vadConditions = []vadCondition{
	{"clean", vadtest.White, math.Inf(1)},
	{"white 20 dB", vadtest.White, 20},
	{"white 10 dB", vadtest.White, 10},
	{"white 5 dB", vadtest.White, 5},
	{"white 0 dB", vadtest.White, 0},
	{"pink 20 dB", vadtest.Pink, 20},
	{"pink 10 dB", vadtest.Pink, 10},
	{"pink 5 dB", vadtest.Pink, 5},
	{"pink 0 dB", vadtest.Pink, 0},
}

type frameVAD interface{ Process(*media.PCMFrame) bool }

func scoreVAD(v frameVAD, c *vadtest.Corpus, pcm []int16) vadtest.Score {
	var s vadtest.Score
	var f media.PCMFrame
	for i := range c.Frames() {
		vadtest.Frame(&f, pcm, i)
		s.Add(c, i, v.Process(&f))
	}
	return s
}

// TestVADCompare prints frame accuracy, speech recall and false-alarm rates per condition for
// internal/media/vad and for WebRTC VAD in each of its four modes, on the espeak-ng corpus
// (skipped without espeak-ng) and on the synthetic speech-like corpus; the WebRTC rows only
// with -v, which prints the table. It asserts only that
// dialtone's VAD is usable: on clean audio it finds at least 95% of the speech frames and flags
// at most 2% of the silence frames far from speech.
func TestVADCompare(t *testing.T) {
	t.Run("espeak", func(t *testing.T) {
		c := espeakCorpus(t)
		if c == nil {
			t.Skip("espeak-ng not installed")
		}
		compareVADs(t, c)
	})
	t.Run("synthetic", func(t *testing.T) { compareVADs(t, syntheticCorpus()) })
}

func compareVADs(t *testing.T, corpus *vadtest.Corpus) {
	speech := 0
	for _, l := range corpus.Labels {
		if l {
			speech++
		}
	}
	far := 0
	for _, l := range corpus.Far {
		if l {
			far++
		}
	}
	t.Logf("corpus: %d frames (%.0f s), speech active level %.1f dBFS, %.0f%% speech, %.0f%% silence far from speech", corpus.Frames(),
		float64(corpus.Frames())/50, 10*math.Log10(corpus.ActivePower/(32768*32768)), 100*float64(speech)/float64(corpus.Frames()), 100*float64(far)/float64(corpus.Frames()))

	// The WebRTC rows (libfvad under wazero, slow under -race) are only worth their time when
	// the table is printed: with -v.
	haveWasm := testing.Verbose()
	if _, err := os.Stat(fvadWasmPath); err != nil {
		haveWasm = false
		t.Logf("WebRTC VAD rows skipped: %s not found", fvadWasmPath)
	}
	var b strings.Builder
	b.WriteString("\n| condition | detector | accuracy | recall | false alarms | false alarms far from speech |\n|---|---|---|---|---|---|\n")
	for ci, cond := range vadConditions {
		pcm := corpus.Mix(cond.noise, cond.snr, uint64(100+ci))
		row := func(name string, s vadtest.Score) {
			fmt.Fprintf(&b, "| %s | %s | %.1f%% | %.1f%% | %.1f%% | %.1f%% |\n", cond.name, name,
				100*s.Accuracy(), 100*s.Recall(), 100*s.FalseAlarmRate(), 100*s.FarFalseAlarmRate())
		}
		s := scoreVAD(vad.New(vad.Config{}), corpus, pcm)
		row("dialtone vad", s)
		if cond.name == "clean" && (s.Recall() < 0.95 || s.FarFalseAlarmRate() > 0.02) {
			t.Errorf("dialtone vad on clean audio: recall %.3f (want >= 0.95), false alarms far from speech %.3f (want <= 0.02)",
				s.Recall(), s.FarFalseAlarmRate())
		}
		if haveWasm {
			for mode := range 4 {
				row(fmt.Sprintf("WebRTC mode %d", mode), scoreVAD(newWebRTCVAD(t, mode), corpus, pcm))
			}
		}
	}
	t.Log(b.String())
}

// BenchmarkVAD measures the cost of one 20 ms frame for each detector, on the espeak-ng corpus
// (or the synthetic one) with white noise at 10 dB SNR.
func BenchmarkVAD(b *testing.B) {
	corpus := espeakCorpus(b)
	if corpus == nil {
		corpus = syntheticCorpus()
	}
	pcm := corpus.Mix(vadtest.White, 10, 1)
	n := corpus.Frames()
	frames := make([]media.PCMFrame, n)
	for i := range frames {
		vadtest.Frame(&frames[i], pcm, i)
	}
	run := func(b *testing.B, v frameVAD) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			v.Process(&frames[i])
			if i++; i == n {
				i = 0
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/frame")
	}
	b.Run("dialtone", func(b *testing.B) { run(b, vad.New(vad.Config{})) })
	b.Run("webrtc-mode3", func(b *testing.B) { run(b, newWebRTCVAD(b, 3)) })
}
