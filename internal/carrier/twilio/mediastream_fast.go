package twilio

// A media message arrives 50 times a second on every call, and decoding it with
// encoding/json was the largest cost of reading a stream (13% of a loaded server's CPU). Twilio
// writes media messages in one plain shape, so fastMedia reads exactly that shape — an object of
// ASCII strings without escapes, with a "media" object of strings — and declines anything else,
// which then goes through encoding/json as before. A fuzz test checks that whenever fastMedia
// accepts a message, encoding/json reads the same message from it.

// Keys fastMedia knows, as bits, to refuse a key given twice (encoding/json would merge or
// overwrite; declining keeps the two readers equal).
const (
	keyEvent = 1 << iota
	keySequenceNumber
	keyStreamSID
	keyMedia
	keyTrack
	keyChunk
	keyTimestamp
	keyPayload
)

// fastMedia reads data into m when it is a media message in Twilio's plain shape, with
// m.Media pointing at media; it reports false, leaving m and media unspecified, for anything
// else. It does not validate the values (parse does, whichever reader read them).
func fastMedia(data []byte, m *Message, media *MediaPayload) bool {
	s := scanner{data: data}
	seen := 0
	// take reads the string value of a key not seen before into dst.
	take := func(bit int, dst *string) bool {
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		v, ok := s.str()
		*dst = v
		return ok
	}
	*media = MediaPayload{}
	mediaField := func(key []byte) bool {
		switch string(key) { // compared without a copy
		case "track":
			return take(keyTrack, &media.Track)
		case "chunk":
			return take(keyChunk, &media.Chunk)
		case "timestamp":
			return take(keyTimestamp, &media.Timestamp)
		case "payload":
			return take(keyPayload, &media.Payload)
		}
		return false
	}
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "event":
			return take(keyEvent, &m.Event)
		case "sequenceNumber":
			return take(keySequenceNumber, &m.SequenceNumber)
		case "streamSid":
			return take(keyStreamSID, &m.StreamSID)
		case "media":
			if seen&keyMedia != 0 {
				return false
			}
			seen |= keyMedia
			m.Media = media
			return s.object(mediaField)
		}
		return false
	})
	s.space()
	return ok && s.i == len(s.data) && m.Event == EventMedia && m.Media != nil
}

// scanner reads the plain JSON fastMedia accepts.
type scanner struct {
	data []byte
	i    int
}

func (s *scanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// byte skips white space and then c, reporting whether c was there.
func (s *scanner) byte(c byte) bool {
	s.space()
	if s.i < len(s.data) && s.data[s.i] == c {
		s.i++
		return true
	}
	return false
}

// raw reads a string of printable ASCII without escapes and returns its bytes (in data).
func (s *scanner) raw() ([]byte, bool) {
	if !s.byte('"') {
		return nil, false
	}
	start := s.i
	for ; s.i < len(s.data); s.i++ {
		switch c := s.data[s.i]; {
		case c == '"':
			s.i++
			return s.data[start : s.i-1], true
		case c == '\\' || c < 0x20 || c > 0x7e:
			return nil, false
		}
	}
	return nil, false
}

// str reads a string as raw does, as a string.
func (s *scanner) str() (string, bool) {
	b, ok := s.raw()
	return string(b), ok
}

// object reads an object, calling field with each key once the scanner stands at its value;
// field reads the value and reports whether it could.
func (s *scanner) object(field func(key []byte) bool) bool {
	if !s.byte('{') {
		return false
	}
	for first := true; ; first = false {
		if s.byte('}') {
			return true
		}
		if !first && !s.byte(',') {
			return false
		}
		key, ok := s.raw()
		if !ok || !s.byte(':') || !field(key) {
			return false
		}
	}
}
