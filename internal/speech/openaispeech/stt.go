package openaispeech

// Speech-to-text with OpenAI's transcription endpoint, POST {base}/audio/transcriptions, and
// any server that implements the same API (self-hosted Whisper servers such as
// faster-whisper-server/speaches, LocalAI or whisper.cpp's server).
//
// The endpoint is a batch one: it transcribes a whole audio file per request. The Recognizer
// therefore cuts the caller's audio into utterances itself, with the voice activity detector
// of internal/media/vad, and sends each finished utterance as a WAV file:
//
//   - an utterance starts at the first frame the detector calls speech, with up to padding
//     (200 ms) of the audio before it;
//   - it ends once EndSilence of audio has followed the last speech frame (the detector's own
//     hangover comes on top), and is sent up to padding after its last voiced frame;
//   - an utterance longer than MaxUtterance is cut there and sent, and a new one starts at
//     once if the caller is still speaking;
//   - an utterance with less than MinSpeech of voiced frames (a click, a cough) is dropped
//     without a request.
//
// The WAV is 16-bit mono PCM at UploadSampleRate: 16 kHz by default, the 8 kHz telephone audio
// upsampled with media.Upsampler. Whisper models work at 16 kHz; OpenAI resamples whatever it
// receives, but some compatible servers (older whisper.cpp servers in particular) accept only
// 16 kHz WAV, so 16 kHz is the choice that works everywhere. UploadSampleRate 8000 sends the
// telephone audio as it is, at half the size.
//
// The multipart/form-data request has the fields file, model, response_format=json and, when
// configured, language and prompt; the answer is {"text": "..."}. Requests run on their own
// goroutines and never block Write; transcripts come out of Next in utterance order whatever
// order the answers arrive in. A request that fails (refused, timed out, no answer) makes Err
// non-nil so that the engine can fall back to another provider; the API key is sent only in
// the Authorization header (none at all when the key is empty) and never appears in an error.
// There are no retries: a failure is reported at once.

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dialtonehq/dialtone/internal/media"
	"github.com/dialtonehq/dialtone/internal/media/vad"
	"github.com/dialtonehq/dialtone/internal/speech"
)

// Defaults of RecognizerConfig.
const (
	DefaultTranscriptionModel = "whisper-1"
	DefaultUploadSampleRate   = 16000
	DefaultEndSilence         = 500 * time.Millisecond
	DefaultMaxUtterance       = 30 * time.Second
	DefaultMinSpeech          = 100 * time.Millisecond
	DefaultRequestTimeout     = 15 * time.Second
)

const (
	// padding is the audio kept before an utterance's first speech frame and after its last
	// voiced frame, so that soft onsets and endings are not clipped.
	padding = 200 * time.Millisecond
	// maxTranscriptionBody is how much of a successful answer is read.
	maxTranscriptionBody = 1 << 20
)

// RecognizerConfig configures NewRecognizer. Every field is optional; zero values take the
// defaults.
type RecognizerConfig struct {
	// BaseURL is the API root, up to and including the version: requests go to
	// BaseURL + "/audio/transcriptions". Default DefaultBaseURL.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <APIKey>". Empty sends no Authorization
	// header, for self-hosted servers without authentication.
	APIKey string
	// Model is the transcription model: "whisper-1" (the default), "gpt-4o-transcribe",
	// "gpt-4o-mini-transcribe", or the name a self-hosted server knows its model by.
	Model string
	// Language, when set, is the ISO-639-1 code of the caller's language ("en"); it improves
	// accuracy and latency. Empty lets the model detect it.
	Language string
	// Prompt, when set, is sent with every request to guide the model's style or spelling of
	// names.
	Prompt string
	// UploadSampleRate is the rate of the WAV sent: 16000 (default) or 8000.
	UploadSampleRate int
	// EndSilence is how long the caller must be silent after speech for the utterance to end
	// (default DefaultEndSilence, at least 20 ms).
	EndSilence time.Duration
	// MaxUtterance is the longest utterance sent in one request (default DefaultMaxUtterance,
	// between 1 s and 10 min).
	MaxUtterance time.Duration
	// MinSpeech is the least voiced audio an utterance needs to be sent (default
	// DefaultMinSpeech).
	MinSpeech time.Duration
	// RequestTimeout bounds each request, from sending to the whole answer (default
	// DefaultRequestTimeout).
	RequestTimeout time.Duration
	// VAD configures the voice activity detector; zero fields take vad's defaults.
	VAD vad.Config
	// HTTPClient sends the requests; default http.DefaultClient.
	HTTPClient *http.Client
}

// Recognizer is a speech.Recognizer for one caller backed by an OpenAI-compatible
// transcription endpoint. Write, Next and Close are used by one goroutine at a time; Active
// and Err may be called from any.
type Recognizer struct {
	cfg      RecognizerConfig
	endpoint string

	ctx    context.Context // ends on Close, cancelling the requests
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// Segmentation state, owned by the goroutine calling Write.
	det        *vad.Detector
	frame      media.PCMFrame
	frameN     int     // samples in frame
	pos        int64   // samples written before frame
	pre        []int16 // the last padding of audio while no utterance is open
	utt        []int16 // the utterance open, from uttStart
	uttStart   int64
	lastVoice  int64 // end of the open utterance's last voiced frame
	voiced     int   // voiced frames in the open utterance
	silent     int   // samples of non-speech since the last speech frame
	inUtt      bool
	endSilence int
	maxSamples int
	minVoiced  int
	padSamples int

	mu       sync.Mutex
	slots    []*slot // utterances sent and not yet returned by Next, in order
	inflight int
	speaking bool // mirror of inUtt for Active
	closed   bool
	err      error
	changed  chan struct{} // closed and replaced whenever a request ends
}

// slot is one utterance sent for transcription.
type slot struct {
	end  int64
	done bool
	text string
}

var _ speech.Recognizer = (*Recognizer)(nil)

// NewRecognizer checks cfg and fills in its defaults. It sends nothing; requests start when
// the first utterance ends.
func NewRecognizer(cfg RecognizerConfig) (*Recognizer, error) {
	cfg, err := checkRecognizerConfig(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	samples := func(d time.Duration) int { return int(d * media.SampleRate / time.Second) }
	return &Recognizer{
		cfg:        cfg,
		endpoint:   strings.TrimRight(cfg.BaseURL, "/") + "/audio/transcriptions",
		ctx:        ctx,
		cancel:     cancel,
		det:        vad.New(cfg.VAD),
		endSilence: samples(cfg.EndSilence),
		maxSamples: samples(cfg.MaxUtterance),
		minVoiced:  (samples(cfg.MinSpeech) + media.FrameSamples - 1) / media.FrameSamples,
		padSamples: samples(padding),
		changed:    make(chan struct{}),
	}, nil
}

func checkRecognizerConfig(cfg RecognizerConfig) (RecognizerConfig, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, fmt.Errorf("openaispeech: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if strings.ContainsAny(cfg.APIKey, "\r\n") {
		return cfg, errors.New("openaispeech: API key contains a line break")
	}
	if cfg.Model == "" {
		cfg.Model = DefaultTranscriptionModel
	}
	switch cfg.UploadSampleRate {
	case 0:
		cfg.UploadSampleRate = DefaultUploadSampleRate
	case 8000, 16000:
	default:
		return cfg, fmt.Errorf("openaispeech: upload sample rate %d is neither 8000 nor 16000", cfg.UploadSampleRate)
	}
	durations := []struct {
		name     string
		d        *time.Duration
		def, min time.Duration
		max      time.Duration
	}{
		{"end silence", &cfg.EndSilence, DefaultEndSilence, media.FrameDuration, time.Minute},
		{"max utterance", &cfg.MaxUtterance, DefaultMaxUtterance, time.Second, 10 * time.Minute},
		{"min speech", &cfg.MinSpeech, DefaultMinSpeech, 0, time.Minute},
		{"request timeout", &cfg.RequestTimeout, DefaultRequestTimeout, time.Millisecond, time.Hour},
	}
	for _, f := range durations {
		if *f.d == 0 {
			*f.d = f.def
		}
		if *f.d < f.min || *f.d > f.max {
			return cfg, fmt.Errorf("openaispeech: %s %v is outside %v…%v", f.name, *f.d, f.min, f.max)
		}
	}
	if cfg.MinSpeech >= cfg.MaxUtterance {
		return cfg, fmt.Errorf("openaispeech: min speech %v is not below max utterance %v", cfg.MinSpeech, cfg.MaxUtterance)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	return cfg, nil
}

// Write feeds the caller's 8 kHz audio, in any amounts. It never blocks on the network: a
// finished utterance is handed to a new goroutine. After Close or a failure (Err) it does
// nothing.
func (r *Recognizer) Write(pcm []int16) {
	r.mu.Lock()
	stop := r.closed || r.err != nil
	r.mu.Unlock()
	if stop {
		return
	}
	for len(pcm) > 0 {
		n := copy(r.frame[r.frameN:], pcm)
		r.frameN += n
		pcm = pcm[n:]
		if r.frameN == media.FrameSamples {
			r.process()
			r.pos += media.FrameSamples
			r.frameN = 0
		}
	}
}

// process runs the detector on the complete frame at r.pos and moves the utterance state.
func (r *Recognizer) process() {
	f := r.frame[:]
	isSpeech := r.det.Process(&r.frame)
	end := r.pos + media.FrameSamples
	if !r.inUtt {
		if !isSpeech {
			r.pre = append(r.pre, f...)
			if extra := len(r.pre) - r.padSamples; extra > 0 {
				r.pre = r.pre[:copy(r.pre, r.pre[extra:])]
			}
			return
		}
		r.open(r.pos - int64(len(r.pre)))
		r.utt = append(r.utt, r.pre...)
		r.pre = r.pre[:0]
	}
	r.utt = append(r.utt, f...)
	if r.det.Last().Candidate || r.voiced == 0 {
		r.voiced++
		r.lastVoice = end
	}
	if isSpeech {
		r.silent = 0
	} else {
		r.silent += media.FrameSamples
	}
	switch {
	case r.silent >= r.endSilence:
		r.finish(r.lastVoice)
		r.setSpeaking(false)
		// The silence that ended it is the padding of the next utterance.
		r.pre = append(r.pre[:0], r.utt[len(r.utt)-min(r.padSamples, r.silent):]...)
		r.utt = r.utt[:0]
	case len(r.utt) >= r.maxSamples:
		r.finish(end)
		r.utt = r.utt[:0]
		if isSpeech {
			r.open(end)
		} else {
			r.setSpeaking(false)
		}
	}
}

// open starts an utterance whose audio begins at sample start.
func (r *Recognizer) open(start int64) {
	r.inUtt, r.uttStart, r.voiced, r.silent, r.lastVoice = true, start, 0, 0, start
	r.setSpeaking(true)
}

func (r *Recognizer) setSpeaking(v bool) {
	if !v {
		r.inUtt = false
	}
	r.mu.Lock()
	r.speaking = v
	r.mu.Unlock()
}

// finish sends the open utterance, cut padding after end, unless it has too little speech.
func (r *Recognizer) finish(end int64) {
	if r.voiced < max(r.minVoiced, 1) {
		return
	}
	keep := min(len(r.utt), int(end-r.uttStart)+r.padSamples)
	wav := encodeWAV(r.utt[:keep], r.cfg.UploadSampleRate)
	s := &slot{end: end}
	r.mu.Lock()
	r.slots = append(r.slots, s)
	r.inflight++
	r.mu.Unlock()
	r.wg.Add(1)
	go r.transcribe(s, wav)
}

// transcribe sends one utterance and files the result in s.
func (r *Recognizer) transcribe(s *slot, wav []byte) {
	defer r.wg.Done()
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.RequestTimeout)
	defer cancel()
	text, err := r.post(ctx, wav)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && r.ctx.Err() == nil {
		err = fmt.Errorf("openaispeech: transcription request timed out after %v", r.cfg.RequestTimeout)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s.done, s.text = true, text
	r.inflight--
	if err != nil && r.ctx.Err() == nil && r.err == nil {
		r.err = err
		r.speaking = false
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// post sends the request and returns the transcript. Errors never contain the API key.
func (r *Recognizer) post(ctx context.Context, wav []byte) (string, error) {
	body, contentType, err := r.form(wav)
	if err != nil {
		return "", fmt.Errorf("openaispeech: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.endpoint, body)
	if err != nil {
		return "", fmt.Errorf("openaispeech: %s", redact(err.Error(), r.cfg.APIKey))
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	if r.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+r.cfg.APIKey)
	}
	resp, err := r.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("openaispeech: transcription request: %s", redact(err.Error(), r.cfg.APIKey))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", readAPIError(resp, r.cfg.APIKey)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTranscriptionBody))
	if err != nil {
		return "", fmt.Errorf("openaispeech: reading transcription: %s", redact(err.Error(), r.cfg.APIKey))
	}
	text, err := parseTranscription(raw)
	if err != nil {
		return "", fmt.Errorf("openaispeech: %s", redact(err.Error(), r.cfg.APIKey))
	}
	return text, nil
}

// form builds the multipart/form-data body of a transcription request for wav.
func (r *Recognizer) form(wav []byte) (*bytes.Buffer, string, error) {
	return multipartForm(wav, [][2]string{
		{"model", r.cfg.Model},
		{"response_format", "json"},
		{"language", r.cfg.Language},
		{"prompt", r.cfg.Prompt},
	})
}

// multipartForm returns a multipart/form-data body and its Content-Type: wav as the part
// "file" (none when wav is nil), then the fields that are not empty.
func multipartForm(wav []byte, fields [][2]string) (*bytes.Buffer, string, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if wav != nil {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", `form-data; name="file"; filename="utterance.wav"`)
		h.Set("Content-Type", "audio/wav")
		part, err := mw.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		if _, err := part.Write(wav); err != nil {
			return nil, "", err
		}
	}
	for _, f := range fields {
		if f[1] == "" {
			continue
		}
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return &b, mw.FormDataContentType(), nil
}

// parseTranscription reads the text of a response_format=json answer, {"text": "..."}, with
// surrounding white space removed. An answer that is not such an object is an error.
func parseTranscription(raw []byte) (string, error) {
	var body struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return "", fmt.Errorf("transcription answer is not JSON: %q", excerpt(raw))
	}
	if body.Text == nil {
		return "", fmt.Errorf("transcription answer has no text: %q", excerpt(raw))
	}
	return strings.TrimSpace(*body.Text), nil
}

// encodeWAV returns a WAV file of pcm, 8 kHz 16-bit mono, at rate 8000 or 16000 (upsampled).
func encodeWAV(pcm []int16, rate int) []byte {
	if rate != media.SampleRate {
		// Flush the upsampler's delay with silence so that the last samples come out.
		in := append(pcm[:len(pcm):len(pcm)], make([]int16, media.UpsampleDelay)...)
		up := make([]int16, 2*len(in))
		var u media.Upsampler
		u.Upsample(up, in)
		pcm = up[2*media.UpsampleDelay:]
	}
	const headerSize = 44
	out := make([]byte, headerSize, headerSize+2*len(pcm))
	copy(out, "RIFF????WAVEfmt ")
	le := binary.LittleEndian
	le.PutUint32(out[4:], uint32(headerSize-8+2*len(pcm)))
	le.PutUint32(out[16:], 16) // fmt chunk size
	le.PutUint16(out[20:], 1)  // PCM
	le.PutUint16(out[22:], 1)  // mono
	le.PutUint32(out[24:], uint32(rate))
	le.PutUint32(out[28:], uint32(2*rate)) // bytes per second
	le.PutUint16(out[32:], 2)              // bytes per sample frame
	le.PutUint16(out[34:], 16)             // bits per sample
	copy(out[36:], "data")
	le.PutUint32(out[40:], uint32(2*len(pcm)))
	for _, v := range pcm {
		out = le.AppendUint16(out, uint16(v))
	}
	return out
}

// Next returns the oldest transcript not yet returned: utterances come out in the order they
// were spoken, each once its own request and those of every earlier utterance have ended. An
// utterance whose transcript is empty, or whose request failed, is skipped.
func (r *Recognizer) Next() (speech.Transcript, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.slots) > 0 && r.slots[0].done {
		s := r.slots[0]
		r.slots[0] = nil
		r.slots = r.slots[1:]
		if s.text != "" {
			return speech.Transcript{Text: s.text, EndSample: s.end}, true
		}
	}
	return speech.Transcript{}, false
}

// Active reports whether the caller is inside an utterance or a finished utterance's
// transcription request is still in flight.
func (r *Recognizer) Active() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.speaking || r.inflight > 0
}

// Err returns why a transcription failed (the server refused it, it timed out, the server
// could not be reached), or nil. The first failure is kept; a refusal is an *APIError with the
// HTTP status and the server's message. A failed recognizer hears nothing more, so that the
// engine can fall back to another provider. Err stays nil after Close.
func (r *Recognizer) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Close cancels the requests in flight and waits for their goroutines to end; their
// utterances are not transcribed. Later Writes do nothing. It always returns nil and may be
// called more than once.
func (r *Recognizer) Close() error {
	r.mu.Lock()
	r.closed = true
	r.speaking = false
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
	return nil
}

// changes returns a channel that is closed when the next request ends.
func (r *Recognizer) changes() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed
}
