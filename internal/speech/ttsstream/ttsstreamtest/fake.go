package ttsstreamtest

import (
	"net/http"
	"net/http/httptest"
	"sync"
)

// Mode says how a fake answers a valid request.
type Mode int

const (
	// Normal streams the whole audio.
	Normal Mode = iota
	// Fail500 answers 500 with the provider's server error body.
	Fail500
	// CutMidway sends half the audio and then drops the connection.
	CutMidway
	// Stall sends half the audio and then sends nothing more until the client goes away or
	// the server is closed.
	Stall
)

// signals is the capacity of the Stalled and ClientGone channels.
const signals = 64

// FakeServer is the part of a provider's fake that does not depend on the provider: the HTTP
// server, the Mode of later responses and how a response's audio is sent (SendAudio). A
// provider's fake embeds it and answers requests with its own handler. Its methods are safe
// for concurrent use.
type FakeServer struct {
	srv  *httptest.Server
	quit chan struct{} // closed by Close

	mu         sync.Mutex
	mode       Mode
	chunkBytes int
	stalled    chan struct{} // one value per response that stalled
	clientGone chan struct{} // one value per response whose client went away
}

// StartFake starts a server answering with h, sending audio in pieces of chunkBytes.
func StartFake(h http.Handler, chunkBytes int) *FakeServer {
	return &FakeServer{
		srv:        httptest.NewServer(h),
		quit:       make(chan struct{}),
		chunkBytes: max(chunkBytes, 1),
		stalled:    make(chan struct{}, signals),
		clientGone: make(chan struct{}, signals),
	}
}

// ServerURL is the server's root URL, "http://127.0.0.1:port".
func (s *FakeServer) ServerURL() string { return s.srv.URL }

// Close stops the server, first releasing any stalled response. Call it once.
func (s *FakeServer) Close() {
	close(s.quit)
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Client returns an HTTP client for the server.
func (s *FakeServer) Client() *http.Client { return s.srv.Client() }

// SetMode sets how later requests are answered.
func (s *FakeServer) SetMode(m Mode) { s.mu.Lock(); s.mode = m; s.mu.Unlock() }

// Mode returns how requests are answered now.
func (s *FakeServer) Mode() Mode { s.mu.Lock(); defer s.mu.Unlock(); return s.mode }

// SetChunkBytes sets the size of the pieces the body is sent in (at least 1).
func (s *FakeServer) SetChunkBytes(n int) { s.mu.Lock(); s.chunkBytes = max(n, 1); s.mu.Unlock() }

// Stalled receives a value each time a response has sent its first half and stalled.
func (s *FakeServer) Stalled() <-chan struct{} { return s.stalled }

// ClientGone receives a value each time a client went away before its response was complete
// (while the audio was being sent, or during a stall). Values beyond the channel's capacity
// (64) are dropped.
func (s *FakeServer) ClientGone() <-chan struct{} { return s.clientGone }

func (s *FakeServer) gone() {
	select {
	case s.clientGone <- struct{}{}:
	default:
	}
}

// SendAudio answers r with status 200 and audio as a body of contentType, sent with chunked
// transfer encoding in pieces of the chunk size, each flushed, as the Mode says: Normal sends
// it all; CutMidway sends the first half and drops the connection without ending the chunked
// body; Stall sends the first half, signals Stalled and waits for the client to go away or
// the server to close. (Fail500 is the provider's handler's to answer.)
func (s *FakeServer) SendAudio(w http.ResponseWriter, r *http.Request, contentType string, audio []byte) {
	s.mu.Lock()
	mode, chunk := s.mode, s.chunkBytes
	s.mu.Unlock()
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	fl.Flush()
	limit := len(audio)
	if mode == CutMidway || mode == Stall {
		limit = len(audio) / 2
	}
	for off := 0; off < limit; off += chunk {
		if _, err := w.Write(audio[off:min(off+chunk, limit)]); err != nil || r.Context().Err() != nil {
			s.gone()
			return
		}
		fl.Flush()
	}
	switch mode {
	case CutMidway:
		// Drop the connection without the chunked body's terminating chunk.
		panic(http.ErrAbortHandler)
	case Stall:
		s.stalled <- struct{}{}
		select {
		case <-r.Context().Done():
			s.gone()
		case <-s.quit:
		}
	}
}
