package client

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// Events follows call id live (GET /v1/calls/{id}/events): it yields the call's events so
// far (after lastEventID, when not "") and then each new one as it is recorded, and ends after
// call.ended. Stopping the loop, or cancelling ctx, closes the stream. An error is yielded
// once, last: a *Error (call_not_found) when the call is unknown, or the connection's error.
// The stream is not retried; resume with the last event's ID.
func (s *CallsService) Events(ctx context.Context, id, lastEventID string) iter.Seq2[dialtone.Event, error] {
	return func(yield func(dialtone.Event, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		body, err := s.c.openStream(ctx, id, lastEventID)
		if err != nil {
			yield(dialtone.Event{}, err)
			return
		}
		defer body.Close()
		sc := bufio.NewScanner(body)
		sc.Buffer(make([]byte, 0, 64<<10), maxResponseBytes)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data:")
			if !ok { // id:, event:, keep-alive comments and blank separators
				continue
			}
			var ev dialtone.Event
			if err := json.Unmarshal([]byte(strings.TrimSpace(data)), &ev); err != nil {
				yield(dialtone.Event{}, fmt.Errorf("dialtone: decode call event: %w", err))
				return
			}
			if !yield(ev, nil) || ev.Type == dialtone.EventCallEnded {
				return
			}
		}
		if err := sc.Err(); err != nil && ctx.Err() == nil {
			yield(dialtone.Event{}, fmt.Errorf("dialtone: call event stream: %w", err))
		}
	}
}

// openStream starts the event stream of call id; a non-2xx answer is a *Error.
func (c *Client) openStream(ctx context.Context, id, lastEventID string) (io.ReadCloser, error) {
	h := http.Header{"Accept": {"text/event-stream"}}
	if lastEventID != "" {
		h.Set("Last-Event-ID", lastEventID)
	}
	return c.openCallBody(ctx, id, "/events", h)
}

// openCallBody GETs sub-resource sub of call id (not JSON: a stream or a file) and returns
// its body; a non-2xx answer is a *Error.
func (c *Client) openCallBody(ctx context.Context, id, sub string, header http.Header) (io.ReadCloser, error) {
	p, err := pathID("call", id)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/v1/calls/"+p+sub, nil)
	if err != nil {
		return nil, fmt.Errorf("dialtone: build request: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.credential != "" {
		req.Header.Set("Authorization", "Bearer "+c.credential)
	}
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("dialtone: GET call %s%s: %w", id, sub, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		return nil, parseError(resp, data)
	}
	return resp.Body, nil
}

// Recording downloads the recording of an ended call: a WAV file, 8 kHz 16-bit, the caller
// on the left channel and the agent on the right. The caller closes the body. A call without
// one is recording_not_found.
func (s *CallsService) Recording(ctx context.Context, id string) (io.ReadCloser, error) {
	return s.c.openCallBody(ctx, id, "/recording", nil)
}
