package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio"
	"github.com/dialtonehq/dialtone/internal/carrier/twilio/twiliotest"
)

// streamPair runs a twilio.StreamLeg in an httptest server and a fake Twilio connected to it.
type streamPair struct {
	leg    *twilio.StreamLeg
	info   twilio.StartInfo
	twilio *twiliotest.Stream
}

// send hands the leg frames, in order (what the session's send clock does).
func (p *streamPair) send(frames []dialtone.AudioFrame) {
	for i := range frames {
		p.leg.Send(&frames[i])
	}
}

func newStreamPair(t *testing.T, topts twiliotest.StreamOptions, lopts twilio.StreamLegOptions) *streamPair {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		leg  *twilio.StreamLeg
		info twilio.StartInfo
		err  error
	}
	results := make(chan result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			results <- result{err: err}
			return
		}
		leg, info, err := twilio.NewStreamLeg(ctx, c, lopts)
		results <- result{leg, info, err}
		if err == nil {
			<-leg.Done() // keep the handler (and its connection) until the leg ends
		}
	}))
	tw, err := twiliotest.DialStream(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), topts)
	if err != nil {
		t.Fatalf("DialStream: %v", err)
	}
	res := <-results
	if res.err != nil {
		t.Fatalf("twilio.NewStreamLeg: %v", res.err)
	}
	p := &streamPair{leg: res.leg, info: res.info, twilio: tw}
	t.Cleanup(func() {
		cancel()
		tw.Close()
		<-res.leg.Done()
		srv.Close()
	})
	return p
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// tone returns n frames, frame i filled with byte base+i, so order and identity are checkable.
func tone(base byte, n int) []dialtone.AudioFrame {
	frames := make([]dialtone.AudioFrame, n)
	for i := range frames {
		for j := range frames[i] {
			frames[i][j] = base + byte(i)
		}
	}
	return frames
}

func recvFrame(t *testing.T, ctx context.Context, leg *twilio.StreamLeg) dialtone.AudioFrame {
	t.Helper()
	select {
	case f, ok := <-leg.Inbound():
		if !ok {
			t.Fatal("Inbound closed early")
		}
		return f
	case <-ctx.Done():
		t.Fatal("timed out waiting for an inbound frame")
	}
	return dialtone.AudioFrame{}
}

func TestStreamLegStartInfo(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{
		CustomParameters: map[string]string{"call_id": "call_123", "token": "tok"},
		ManualPlayout:    true,
	}, twilio.StreamLegOptions{})
	i := p.info
	if i.StreamSID != p.twilio.StreamSID() || i.CallSID != p.twilio.CallSID() || i.AccountSID != p.twilio.AccountSID() {
		t.Errorf("sids = %s %s %s, want %s %s %s", i.StreamSID, i.CallSID, i.AccountSID,
			p.twilio.StreamSID(), p.twilio.CallSID(), p.twilio.AccountSID())
	}
	if !strings.HasPrefix(i.StreamSID, "MZ") || len(i.StreamSID) != 34 {
		t.Errorf("stream sid %q is not MZ + 32 hex", i.StreamSID)
	}
	if i.CustomParameters["call_id"] != "call_123" || i.CustomParameters["token"] != "tok" || len(i.CustomParameters) != 2 {
		t.Errorf("custom parameters = %v", i.CustomParameters)
	}
	if len(i.Tracks) != 1 || i.Tracks[0] != "inbound" {
		t.Errorf("tracks = %v", i.Tracks)
	}
	if i.MediaFormat != (twilio.MediaFormat{Encoding: "audio/x-mulaw", SampleRate: 8000, Channels: 1}) {
		t.Errorf("media format = %+v", i.MediaFormat)
	}
	if i.Protocol != "Call" || i.Version != "1.0.0" {
		t.Errorf("protocol, version = %q, %q", i.Protocol, i.Version)
	}
	if p.leg.StreamSID() != i.StreamSID {
		t.Errorf("leg StreamSID = %q", p.leg.StreamSID())
	}
}

func TestStreamLegInboundInOrder(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{})
	ctx := waitCtx(t)
	frames := tone(1, 50)
	errc := make(chan error, 1)
	go func() { errc <- p.twilio.SendAudio(ctx, frames) }()
	for i := range frames {
		if got := recvFrame(t, ctx, p.leg); got != frames[i] {
			t.Fatalf("frame %d = %d…, want %d…", i, got[0], frames[i][0])
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if s := p.leg.Stats(); s.InboundDropped != 0 || s.Malformed != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestStreamLegReframes(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{})
	ctx := waitCtx(t)
	frames := tone(10, 3)
	var all []byte
	for i := range frames {
		all = append(all, frames[i][:]...)
	}
	// 480 bytes as 100 + 300 + 80: three whole frames must come out.
	for _, part := range [][]byte{all[:100], all[100:400], all[400:]} {
		if err := p.twilio.SendMedia(ctx, part); err != nil {
			t.Fatal(err)
		}
	}
	for i := range frames {
		if got := recvFrame(t, ctx, p.leg); got != frames[i] {
			t.Fatalf("frame %d = %v…, want %v…", i, got[:4], frames[i][:4])
		}
	}
	// A 100-byte tail then stop: the tail comes out padded with µ-law silence.
	if err := p.twilio.SendMedia(ctx, all[:100]); err != nil {
		t.Fatal(err)
	}
	if err := p.twilio.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	got := recvFrame(t, ctx, p.leg)
	if string(got[:100]) != string(all[:100]) || got[100] != 0xFF || got[159] != 0xFF {
		t.Errorf("padded tail = %v…%v", got[:4], got[96:104])
	}
}

func TestStreamLegSendInOrder(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{}, twilio.StreamLegOptions{}) // real-time playout
	ctx := waitCtx(t)
	frames := tone(100, 40)
	for i := range frames {
		if !p.leg.Send(&frames[i]) {
			t.Fatalf("Send %d refused", i)
		}
	}
	if err := p.twilio.Wait(ctx, func(s twiliotest.StreamState) bool { return len(s.Heard) >= len(frames) }); err != nil {
		t.Fatal(err)
	}
	st := p.twilio.State()
	if len(st.Heard) != len(frames) {
		t.Fatalf("heard %d frames, want %d", len(st.Heard), len(frames))
	}
	for i := range frames {
		if st.Heard[i] != frames[i] {
			t.Fatalf("heard frame %d = %d…, want %d…", i, st.Heard[i][0], frames[i][0])
		}
	}
	if len(st.Errors) != 0 {
		t.Errorf("fake Twilio saw protocol errors: %v", st.Errors)
	}
	if st.MediaIn != len(frames) {
		t.Errorf("media messages = %d, want %d", st.MediaIn, len(frames))
	}
}

func TestStreamLegDTMF(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{})
	ctx := waitCtx(t)
	for _, d := range []string{"5", "#", "0"} {
		if err := p.twilio.SendDTMF(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for len(got) < 3 {
		select {
		case d := <-p.leg.DTMF():
			got = append(got, d)
		case <-ctx.Done():
			t.Fatalf("keys = %v, timed out", got)
		}
	}
	if strings.Join(got, "") != "5#0" {
		t.Errorf("keys = %v, want 5 # 0", got)
	}
}

func TestStreamLegMarkEchoedAfterPlay(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{})
	ctx := waitCtx(t)
	frames := tone(1, 5)
	p.send(frames)
	if !p.leg.Mark("utt-1") {
		t.Fatal("Mark refused")
	}
	if err := p.twilio.Wait(ctx, func(s twiliotest.StreamState) bool { return len(s.MarksIn) == 1 }); err != nil {
		t.Fatal(err)
	}
	st := p.twilio.State()
	if st.MediaIn != 5 || st.MarksIn[0] != "utt-1" || len(st.MarksEchoed) != 0 {
		t.Fatalf("before playing: media %d, marks in %v, echoed %v", st.MediaIn, st.MarksIn, st.MarksEchoed)
	}
	if s := p.leg.MarkState("utt-1"); s != twilio.MarkPending {
		t.Fatalf("mark state before playing = %v, want pending", s)
	}
	if n := p.twilio.Play(ctx, 4); n != 4 {
		t.Fatalf("played %d", n)
	}
	if st := p.twilio.State(); len(st.MarksEchoed) != 0 {
		t.Fatalf("mark echoed after 4 of 5 frames: %v", st.MarksEchoed)
	}
	p.twilio.Play(ctx, 1)
	select {
	case ev := <-p.leg.Marks():
		if ev != (twilio.MarkEvent{Name: "utt-1", Played: true}) {
			t.Fatalf("mark event = %+v", ev)
		}
	case <-ctx.Done():
		t.Fatal("mark not echoed")
	}
	if !p.leg.Played("utt-1") {
		t.Errorf("Played(utt-1) = false after the echo")
	}
	if p.leg.Played("never-placed") {
		t.Errorf("Played of an unknown mark = true")
	}
}

func TestStreamLegClear(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{})
	ctx := waitCtx(t)
	a := tone(1, 30)
	p.send(a)
	p.leg.Mark("a")
	if err := p.twilio.Wait(ctx, func(s twiliotest.StreamState) bool { return len(s.MarksIn) == 1 }); err != nil {
		t.Fatal(err)
	}
	p.twilio.Play(ctx, 10) // the caller heard a third of it, then barged in
	p.leg.Clear()
	select {
	case ev := <-p.leg.Marks():
		if ev != (twilio.MarkEvent{Name: "a", Played: false}) {
			t.Fatalf("mark event after clear = %+v, want a not played", ev)
		}
	case <-ctx.Done():
		t.Fatal("pending mark not echoed after clear")
	}
	if s := p.leg.MarkState("a"); s != twilio.MarkCleared {
		t.Errorf("mark state = %v, want cleared", s)
	}
	b := tone(200, 5)
	p.send(b)
	p.leg.Mark("b")
	if err := p.twilio.Wait(ctx, func(s twiliotest.StreamState) bool { return len(s.MarksIn) == 2 }); err != nil {
		t.Fatal(err)
	}
	p.twilio.Play(ctx, 100)
	if err := p.twilio.Wait(ctx, func(s twiliotest.StreamState) bool { return len(s.MarksEchoed) == 2 }); err != nil {
		t.Fatal(err)
	}
	st := p.twilio.State()
	if st.Clears != 1 {
		t.Errorf("clears = %d, want 1", st.Clears)
	}
	want := append(append([]dialtone.AudioFrame(nil), a[:10]...), b...)
	if len(st.Heard) != len(want) {
		t.Fatalf("heard %d frames, want %d (10 of a, then b)", len(st.Heard), len(want))
	}
	for i := range want {
		if st.Heard[i] != want[i] {
			t.Fatalf("heard frame %d = %d…, want %d…", i, st.Heard[i][0], want[i][0])
		}
	}
	select {
	case ev := <-p.leg.Marks():
		if ev != (twilio.MarkEvent{Name: "b", Played: true}) {
			t.Fatalf("mark event = %+v, want b played", ev)
		}
	case <-ctx.Done():
		t.Fatal("mark b not echoed to the leg")
	}
	if !p.leg.Played("b") {
		t.Errorf("mark b not played")
	}
}

func TestStreamLegClearDropsQueued(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{})
	ctx := waitCtx(t)
	a := tone(1, 50)
	p.send(a)
	p.leg.Mark("a")
	p.leg.Clear() // some of a may have reached Twilio, the rest is dropped here
	if s := p.leg.MarkState("a"); s != twilio.MarkCleared {
		t.Errorf("mark state = %v, want cleared", s)
	}
	b := tone(200, 3)
	p.send(b)
	p.leg.Mark("b")
	if err := p.twilio.Wait(ctx, func(s twiliotest.StreamState) bool {
		return len(s.MarksIn) > 0 && s.MarksIn[len(s.MarksIn)-1] == "b"
	}); err != nil {
		t.Fatal(err)
	}
	p.twilio.Play(ctx, 100)
	st := p.twilio.State()
	if st.Clears != 1 || len(st.Heard) != len(b) {
		t.Fatalf("clears %d, heard %d frames; want 1 clear and only the %d frames of b", st.Clears, len(st.Heard), len(b))
	}
	for i := range b {
		if st.Heard[i] != b[i] {
			t.Fatalf("heard frame %d = %d…, want %d…", i, st.Heard[i][0], b[i][0])
		}
	}
}

func TestStreamLegStopClosesInbound(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{})
	ctx := waitCtx(t)
	frames := tone(1, 3)
	for i := range frames {
		if err := p.twilio.SendMedia(ctx, frames[i][:]); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.twilio.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	for range p.leg.Inbound() {
		n++
	}
	if n != 3 {
		t.Errorf("frames before close = %d, want 3", n)
	}
	<-p.leg.Done()
	if err := p.leg.Err(); err != nil {
		t.Errorf("Err = %v, want nil after stop", err)
	}
	if s := p.leg.Stopped(); s == nil || s.CallSID != p.twilio.CallSID() || s.AccountSID != p.twilio.AccountSID() {
		t.Errorf("Stopped = %+v", s)
	}
	f := tone(1, 1)[0]
	if p.leg.Send(&f) {
		t.Errorf("Send after stop = true")
	}
	if _, ok := <-p.leg.DTMF(); ok {
		t.Errorf("DTMF not closed")
	}
}

func TestStreamLegCloseFromOurSide(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{})
	ctx := waitCtx(t)
	if err := p.leg.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-p.leg.Inbound(); ok {
		t.Errorf("Inbound not closed")
	}
	if err := p.twilio.Wait(ctx, func(s twiliotest.StreamState) bool { return s.Closed }); err != nil {
		t.Fatal(err)
	}
}

func TestStreamLegMalformedIgnored(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{})
	ctx := waitCtx(t)
	bad := []string{
		`{"event":"bogus","streamSid":"` + p.info.StreamSID + `"}`,
		`{"event":"media","streamSid":"` + p.info.StreamSID + `","media":{"payload":"%%%"}}`,
		`not json`,
	}
	for _, b := range bad {
		if err := p.twilio.SendRaw(ctx, []byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	f := tone(7, 1)
	if err := p.twilio.SendMedia(ctx, f[0][:]); err != nil {
		t.Fatal(err)
	}
	if got := recvFrame(t, ctx, p.leg); got != f[0] {
		t.Fatalf("frame after malformed messages = %d…", got[0])
	}
	if s := p.leg.Stats(); s.Malformed != len(bad) {
		t.Errorf("malformed = %d, want %d", s.Malformed, len(bad))
	}
}

func TestStreamLegRefusesWhenClosed(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{})
	if err := p.leg.Close(); err != nil {
		t.Fatal(err)
	}
	f := tone(1, 1)[0]
	if p.leg.Send(&f) {
		t.Errorf("Send on a closed leg = true")
	}
	if p.leg.Mark("x") {
		t.Errorf("Mark on a closed leg = true")
	}
	if s := p.leg.Stats(); s.SendDropped != 1 {
		t.Errorf("send dropped = %d, want 1", s.SendDropped)
	}
}

// TestStreamLegStartErrors: a stream that does not open with connected then start is
// refused with twilio.ErrMalformed.
func TestStreamLegStartErrors(t *testing.T) {
	for name, msgs := range map[string][]string{
		"start first":   {`{"event":"start","sequenceNumber":"1","streamSid":"MZ1","start":{"streamSid":"MZ1","accountSid":"AC1","callSid":"CA1","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}`},
		"bad format":    {`{"event":"connected","protocol":"Call","version":"1.0.0"}`, `{"event":"start","sequenceNumber":"1","streamSid":"MZ1","start":{"streamSid":"MZ1","accountSid":"AC1","callSid":"CA1","mediaFormat":{"encoding":"audio/l16","sampleRate":16000,"channels":1}}}`},
		"not json":      {`{"event":`},
		"media instead": {`{"event":"connected","protocol":"Call","version":"1.0.0"}`, `{"event":"media","streamSid":"MZ1","media":{"payload":"/w=="}}`},
	} {
		t.Run(name, func(t *testing.T) {
			errc := make(chan error, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := websocket.Accept(w, r, nil)
				if err != nil {
					errc <- err
					return
				}
				leg, _, err := twilio.NewStreamLeg(context.Background(), c, twilio.StreamLegOptions{StartTimeout: 10 * time.Second})
				if leg != nil {
					leg.Close()
				}
				errc <- err
			}))
			defer srv.Close()
			ctx := waitCtx(t)
			c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			c.CloseRead(ctx) // answer the server's close at once
			for _, m := range msgs {
				if err := c.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
					t.Fatal(err)
				}
			}
			if err := <-errc; !errors.Is(err, twilio.ErrMalformed) {
				t.Errorf("twilio.NewStreamLeg error = %v, want twilio.ErrMalformed", err)
			}
		})
	}
}

func TestParseMessage(t *testing.T) {
	const sid = `"streamSid":"MZ0123456789abcdef0123456789abcdef"`
	valid := map[string]string{
		"connected": `{"event":"connected","protocol":"Call","version":"1.0.0"}`,
		"start": `{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ0123456789abcdef0123456789abcdef","callSid":"CA1","tracks":["inbound"],` +
			`"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"k":"v"}},` + sid + `}`,
		"media": `{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/////w=="},` + sid + `}`,
		"dtmf":  `{"event":"dtmf",` + sid + `,"sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}`,
		"mark":  `{"event":"mark","sequenceNumber":"4",` + sid + `,"mark":{"name":"my label"}}`,
		"stop":  `{"event":"stop","sequenceNumber":"5","stop":{"accountSid":"AC1","callSid":"CA1"},` + sid + `}`,
		"clear": `{"event":"clear",` + sid + `}`,
	}
	for event, msg := range valid {
		m, err := twilio.ParseMessage([]byte(msg))
		if err != nil {
			t.Errorf("%s: %v", event, err)
			continue
		}
		if m.Event != event {
			t.Errorf("%s: event = %q", event, m.Event)
		}
	}
	m, _ := twilio.ParseMessage([]byte(valid["media"]))
	if audio, err := twilio.DecodeMediaPayload(&m); err != nil || string(audio) != "\xff\xff\xff\xff" {
		t.Errorf("media payload = %x, %v", audio, err)
	}
	if m.Media.Chunk != "1" || m.Media.Timestamp != "5" || m.SequenceNumber != "3" || m.Media.Track != "inbound" {
		t.Errorf("media fields = %+v %+v", m, m.Media)
	}
	m, _ = twilio.ParseMessage([]byte(valid["start"]))
	if m.Start.CustomParameters["k"] != "v" || m.Start.CallSID != "CA1" || m.StreamSID != m.Start.StreamSID {
		t.Errorf("start = %+v", m.Start)
	}

	invalid := map[string]string{
		"unknown event":      `{"event":"bogus",` + sid + `}`,
		"no event":           `{` + sid + `}`,
		"not json":           `{"event":"media"`,
		"array":              `[]`,
		"null":               `null`,
		"no streamSid":       `{"event":"mark","mark":{"name":"x"}}`,
		"media no object":    `{"event":"media",` + sid + `}`,
		"media bad base64":   `{"event":"media",` + sid + `,"media":{"payload":"***"}}`,
		"media empty":        `{"event":"media",` + sid + `,"media":{"payload":""}}`,
		"media bad chunk":    `{"event":"media",` + sid + `,"media":{"chunk":"one","payload":"/w=="}}`,
		"numeric chunk":      `{"event":"media",` + sid + `,"media":{"chunk":1,"payload":"/w=="}}`,
		"numeric seq":        `{"event":"mark","sequenceNumber":4,` + sid + `,"mark":{"name":"x"}}`,
		"bad seq":            `{"event":"mark","sequenceNumber":"-4",` + sid + `,"mark":{"name":"x"}}`,
		"dtmf bad digit":     `{"event":"dtmf",` + sid + `,"dtmf":{"digit":"12"}}`,
		"mark no name":       `{"event":"mark",` + sid + `,"mark":{}}`,
		"stop no object":     `{"event":"stop",` + sid + `}`,
		"start no object":    `{"event":"start",` + sid + `}`,
		"start no callSid":   `{"event":"start",` + sid + `,"start":{"streamSid":"MZ0123456789abcdef0123456789abcdef","accountSid":"AC1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}`,
		"start wrong format": `{"event":"start",` + sid + `,"start":{"streamSid":"MZ0123456789abcdef0123456789abcdef","accountSid":"AC1","callSid":"CA1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":"8000","channels":1}}}`,
		"connected empty":    `{"event":"connected"}`,
	}
	for name, msg := range invalid {
		if _, err := twilio.ParseMessage([]byte(msg)); !errors.Is(err, twilio.ErrMalformed) {
			t.Errorf("%s: err = %v, want twilio.ErrMalformed", name, err)
		}
	}
}

func TestEncoders(t *testing.T) {
	const sid = "MZ0123456789abcdef0123456789abcdef"
	audio := []byte{0xff, 0x7f, 0x00, 0x80}
	for name, tc := range map[string]struct {
		b    []byte
		want string
	}{
		"media": {twilio.EncodeMedia(sid, audio), `{"event":"media","streamSid":"` + sid + `","media":{"payload":"/38AgA=="}}`},
		"mark":  {twilio.EncodeMark(sid, `say "hi"`), `{"event":"mark","streamSid":"` + sid + `","mark":{"name":"say \"hi\""}}`},
		"clear": {twilio.EncodeClear(sid), `{"event":"clear","streamSid":"` + sid + `"}`},
	} {
		if string(tc.b) != tc.want {
			t.Errorf("%s = %s, want %s", name, tc.b, tc.want)
		}
		if _, err := twilio.ParseMessage(tc.b); err != nil {
			t.Errorf("%s does not parse: %v", name, err)
		}
	}
}

func TestSendDoesNotAllocate(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{SendBuffer: 1024})
	var f dialtone.AudioFrame
	if n := testing.AllocsPerRun(100, func() { p.leg.Send(&f) }); n != 0 {
		t.Errorf("allocations per Send = %v, want 0", n)
	}
}

// TestStreamLegUnplayed: with playout marks, Unplayed counts the frames Twilio has not played
// yet, in steps of PlayoutEvery; the playout marks never show on Marks; Clear zeroes it.
func TestStreamLegUnplayed(t *testing.T) {
	p := newStreamPair(t, twiliotest.StreamOptions{ManualPlayout: true}, twilio.StreamLegOptions{PlayoutEvery: 5})
	ctx := waitCtx(t)
	frames := tone(1, 30)
	p.send(frames)
	if err := p.twilio.Wait(ctx, func(s twiliotest.StreamState) bool { return s.MediaIn == 30 && len(s.MarksIn) == 6 }); err != nil {
		t.Fatal(err)
	}
	if n := p.leg.Unplayed(); n != 30 {
		t.Fatalf("Unplayed before any playout = %d, want 30", n)
	}
	p.twilio.Play(ctx, 12) // marks after frames 5 and 10 come back
	waitUnplayed(t, p.leg, 20)
	p.twilio.Play(ctx, 3)
	waitUnplayed(t, p.leg, 15)
	p.leg.Clear()
	if n := p.leg.Unplayed(); n != 0 {
		t.Fatalf("Unplayed after Clear = %d", n)
	}
	// The discarded marks echo as cleared and change nothing; new audio counts afresh.
	if err := p.twilio.Wait(ctx, func(s twiliotest.StreamState) bool { return s.Clears == 1 && len(s.MarksEchoed) == 6 }); err != nil {
		t.Fatal(err)
	}
	more := tone(200, 5)
	p.send(more)
	if n := p.leg.Unplayed(); n != 5 {
		t.Fatalf("Unplayed after 5 more frames = %d, want 5", n)
	}
	select {
	case ev := <-p.leg.Marks():
		t.Fatalf("a playout mark was reported: %+v", ev)
	default:
	}
}

// waitUnplayed waits until leg's Unplayed is want.
func waitUnplayed(t *testing.T, leg *twilio.StreamLeg, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for leg.Unplayed() != want {
		if time.Now().After(deadline) {
			t.Fatalf("Unplayed = %d, want %d", leg.Unplayed(), want)
		}
		time.Sleep(time.Millisecond)
	}
}
