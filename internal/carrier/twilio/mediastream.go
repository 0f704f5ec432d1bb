package twilio

// The Twilio Media Streams wire protocol, as used by a bidirectional stream
// (<Connect><Stream>): JSON text messages over one WebSocket per call.
//
// From Twilio: connected, start, media, dtmf, mark, stop.
// To Twilio: media, mark, clear.
//
// Reference: https://www.twilio.com/docs/voice/media-streams/websocket-messages
// Numeric-looking fields (sequenceNumber, media.chunk, media.timestamp) are strings on the
// wire; mediaFormat.sampleRate and mediaFormat.channels are numbers. Audio is always
// audio/x-mulaw at 8000 Hz, one channel, base64 without any file header.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// Media Streams event names (the "event" field of every message).
const (
	EventConnected = "connected" // from Twilio, first message
	EventStart     = "start"     // from Twilio, second message: the stream's metadata
	EventMedia     = "media"     // both ways: base64 µ-law audio
	EventDTMF      = "dtmf"      // from Twilio: a key the caller pressed
	EventMark      = "mark"      // both ways: a named point in the agent's audio, echoed when played
	EventStop      = "stop"      // from Twilio: the stream ended
	EventClear     = "clear"     // to Twilio: discard buffered agent audio (barge-in)
)

// The only media format Twilio Media Streams carries.
const (
	MediaEncodingMulaw = "audio/x-mulaw"
	MediaSampleRate    = 8000
	MediaChannels      = 1
)

// Message is one Media Streams message, either way. Which payload field is set depends on
// Event; ParseMessage checks that the one the event needs is there and well formed.
type Message struct {
	Event string `json:"event"`
	// SequenceNumber is a decimal string counting Twilio's messages from "1" (the start
	// message); absent on connected and on messages sent to Twilio.
	SequenceNumber string `json:"sequenceNumber,omitempty"`
	// StreamSID is on every message but connected.
	StreamSID string `json:"streamSid,omitempty"`

	// Protocol and Version are set on connected only ("Call", "1.0.0").
	Protocol string `json:"protocol,omitempty"`
	Version  string `json:"version,omitempty"`

	Start *StartPayload `json:"start,omitempty"`
	Media *MediaPayload `json:"media,omitempty"`
	DTMF  *DTMFPayload  `json:"dtmf,omitempty"`
	Mark  *MarkPayload  `json:"mark,omitempty"`
	Stop  *StopPayload  `json:"stop,omitempty"`
}

// StartPayload is the "start" object of a start message.
type StartPayload struct {
	StreamSID        string            `json:"streamSid"`
	AccountSID       string            `json:"accountSid"`
	CallSID          string            `json:"callSid"`
	Tracks           []string          `json:"tracks"` // ["inbound"] on a bidirectional stream
	CustomParameters map[string]string `json:"customParameters"`
	MediaFormat      MediaFormat       `json:"mediaFormat"`
}

// MediaFormat describes the audio of the stream; always audio/x-mulaw, 8000 Hz, 1 channel.
type MediaFormat struct {
	Encoding   string `json:"encoding"`
	SampleRate int    `json:"sampleRate"`
	Channels   int    `json:"channels"`
}

// MediaPayload is the "media" object of a media message. From Twilio it has Track
// ("inbound"), Chunk (from "1") and Timestamp (milliseconds from the stream's start), all
// strings; to Twilio only Payload.
type MediaPayload struct {
	Track     string `json:"track,omitempty"`
	Chunk     string `json:"chunk,omitempty"`
	Timestamp string `json:"timestamp,omitempty"`
	Payload   string `json:"payload"` // base64 of raw µ-law bytes
}

// DTMFPayload is the "dtmf" object of a dtmf message.
type DTMFPayload struct {
	Track string `json:"track,omitempty"` // "inbound_track"
	Digit string `json:"digit"`
}

// MarkPayload is the "mark" object of a mark message.
type MarkPayload struct {
	Name string `json:"name"`
}

// StopPayload is the "stop" object of a stop message.
type StopPayload struct {
	AccountSID string `json:"accountSid"`
	CallSID    string `json:"callSid"`
}

// ErrMalformed is wrapped by every error ParseMessage returns.
var ErrMalformed = errors.New("twilio media stream: malformed message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// ParseMessage decodes and validates one Media Streams message (either direction): the event
// must be known, the object it needs must be present with its required fields, numeric
// strings must be decimal, a media payload must be non-empty valid base64, and the media
// format of a start must be µ-law 8 kHz mono. It never panics; every error wraps
// ErrMalformed.
func ParseMessage(data []byte) (Message, error) {
	var (
		m Message
		d decoder
	)
	err := d.parse(data, &m)
	if m.Media == &d.media {
		media := d.media // the caller's own copy, not the decoder's
		m.Media = &media
	}
	return m, err
}

// decoder parses messages reusing its buffers: after a successful parse of a media message,
// audio holds the decoded payload (and the message's Media may point at media) until the next
// parse.
type decoder struct {
	scratch []byte // the payload's base64 text
	audio   []byte // the decoded payload
	media   MediaPayload
}

func (d *decoder) parse(data []byte, m *Message) error {
	*m = Message{}
	d.audio = d.audio[:0]
	if !fastMedia(data, m, &d.media) {
		*m = Message{}
		if err := json.Unmarshal(data, m); err != nil {
			return malformed("%v", err)
		}
	}
	if m.SequenceNumber != "" && !isDecimal(m.SequenceNumber) {
		return malformed("sequenceNumber %q is not a decimal number", m.SequenceNumber)
	}
	if m.Event != EventConnected && m.StreamSID == "" {
		if !(m.Event == EventStart && m.Start != nil && m.Start.StreamSID != "") {
			return malformed("%s message without streamSid", m.Event)
		}
	}
	switch m.Event {
	case EventConnected:
		if m.Protocol == "" || m.Version == "" {
			return malformed("connected message without protocol or version")
		}
	case EventStart:
		s := m.Start
		if s == nil {
			return malformed("start message without a start object")
		}
		if s.StreamSID == "" || s.CallSID == "" || s.AccountSID == "" {
			return malformed("start message without streamSid, callSid or accountSid")
		}
		if m.StreamSID != "" && m.StreamSID != s.StreamSID {
			return malformed("start message with two streamSids (%q, %q)", m.StreamSID, s.StreamSID)
		}
		f := s.MediaFormat
		if f.Encoding != MediaEncodingMulaw || f.SampleRate != MediaSampleRate || f.Channels != MediaChannels {
			return malformed("unsupported media format %s/%d/%d (want %s/%d/%d)", f.Encoding, f.SampleRate,
				f.Channels, MediaEncodingMulaw, MediaSampleRate, MediaChannels)
		}
		if m.StreamSID == "" {
			m.StreamSID = s.StreamSID
		}
	case EventMedia:
		p := m.Media
		if p == nil {
			return malformed("media message without a media object")
		}
		if p.Chunk != "" && !isDecimal(p.Chunk) {
			return malformed("media chunk %q is not a decimal number", p.Chunk)
		}
		if p.Timestamp != "" && !isDecimal(p.Timestamp) {
			return malformed("media timestamp %q is not a decimal number", p.Timestamp)
		}
		if p.Payload == "" {
			return malformed("media message with an empty payload")
		}
		d.scratch = append(d.scratch[:0], p.Payload...)
		n := base64.StdEncoding.DecodedLen(len(d.scratch))
		if cap(d.audio) < n {
			d.audio = make([]byte, n)
		}
		d.audio = d.audio[:n]
		n, err := base64.StdEncoding.Decode(d.audio, d.scratch)
		if err != nil {
			d.audio = d.audio[:0]
			return malformed("media payload is not base64: %v", err)
		}
		d.audio = d.audio[:n]
		if n == 0 {
			return malformed("media message with an empty payload")
		}
	case EventDTMF:
		if m.DTMF == nil {
			return malformed("dtmf message without a dtmf object")
		}
		if !isDTMFDigit(m.DTMF.Digit) {
			return malformed("dtmf digit %q is not a key", m.DTMF.Digit)
		}
	case EventMark:
		if m.Mark == nil || m.Mark.Name == "" {
			return malformed("mark message without a name")
		}
	case EventStop:
		if m.Stop == nil {
			return malformed("stop message without a stop object")
		}
	case EventClear:
	case "":
		return malformed("message without an event")
	default:
		return malformed("unknown event %q", m.Event)
	}
	return nil
}

// DecodeMediaPayload returns the µ-law bytes of a media message parsed by ParseMessage.
func DecodeMediaPayload(m *Message) ([]byte, error) {
	if m.Media == nil {
		return nil, malformed("not a media message")
	}
	b, err := base64.StdEncoding.DecodeString(m.Media.Payload)
	if err != nil {
		return nil, malformed("media payload is not base64: %v", err)
	}
	return b, nil
}

func isDecimal(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isDTMFDigit reports whether s is one telephone key: 0-9, *, # or A-D.
func isDTMFDigit(s string) bool {
	if len(s) != 1 {
		return false
	}
	c := s[0]
	return c >= '0' && c <= '9' || c == '*' || c == '#' || c >= 'A' && c <= 'D'
}

// EncodeMedia returns the media message that plays audio (raw µ-law) on streamSID.
func EncodeMedia(streamSID string, audio []byte) []byte {
	var e encoder
	e.init(streamSID)
	return e.media(nil, audio)
}

// EncodeMark returns the mark message that asks Twilio to echo name once the audio sent
// before it has played.
func EncodeMark(streamSID, name string) []byte {
	b, _ := json.Marshal(Message{Event: EventMark, StreamSID: streamSID, Mark: &MarkPayload{Name: name}})
	return b
}

// EncodeClear returns the clear message that discards the audio Twilio has buffered and not
// played on streamSID; Twilio then echoes every mark still pending.
func EncodeClear(streamSID string) []byte {
	b, _ := json.Marshal(Message{Event: EventClear, StreamSID: streamSID})
	return b
}

// encoder writes outbound media messages without allocating: the JSON around the payload
// is fixed per stream, so it is built once and the base64 appended into a reused buffer.
type encoder struct {
	mediaPrefix []byte // {"event":"media","streamSid":"MZ…","media":{"payload":"
}

const mediaSuffix = `"}}`

func (e *encoder) init(streamSID string) {
	sid, _ := json.Marshal(streamSID)
	e.mediaPrefix = append(e.mediaPrefix[:0], `{"event":"media","streamSid":`...)
	e.mediaPrefix = append(e.mediaPrefix, sid...)
	e.mediaPrefix = append(e.mediaPrefix, `,"media":{"payload":"`...)
}

// media appends the media message carrying audio to dst[:0] and returns it.
func (e *encoder) media(dst, audio []byte) []byte {
	dst = append(dst[:0], e.mediaPrefix...)
	dst = base64.StdEncoding.AppendEncode(dst, audio)
	return append(dst, mediaSuffix...)
}
