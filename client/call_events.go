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
	p, err := pathID("call", id)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/v1/calls/"+p+"/events", nil)
	if err != nil {
		return nil, fmt.Errorf("dialtone: build request: %w", err)
	}
	if c.credential != "" {
		req.Header.Set("Authorization", "Bearer "+c.credential)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("User-Agent", c.userAgent)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("dialtone: call event stream: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		return nil, parseError(resp, data)
	}
	return resp.Body, nil
}
