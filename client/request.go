package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxResponseBytes bounds how much of a response body the client reads.
const maxResponseBytes = 16 << 20

// RequestOption configures one call.
type RequestOption func(*requestOptions)

type requestOptions struct {
	idempotencyKey string
}

// WithIdempotencyKey sets the Idempotency-Key of a POST (it is ignored by other methods).
// Sending the same key with the same request within 24 hours makes the server replay the
// first response instead of acting twice; the same key with a different request is refused
// with idempotency_key_reused. Without this option every POST gets a fresh random key, which
// is generated once per call and sent again on each of its retries. An empty key means a
// random one.
func WithIdempotencyKey(key string) RequestOption {
	return func(o *requestOptions) { o.idempotencyKey = key }
}

// request is one API call, sent once or more.
type request struct {
	method string
	path   string     // "/v1/agents", already escaped
	query  url.Values // may be nil
	body   any        // marshalled once; nil for no body
	opts   []RequestOption
}

// rawBody is a request body sent as is, such as a file upload, rather than as JSON.
type rawBody struct {
	data        []byte
	contentType string
}

// do sends r (retrying as retry.go describes) and decodes a 2xx JSON answer into out. A non-2xx
// answer is returned as *Error.
func (c *Client) do(ctx context.Context, r request, out any) error {
	var ro requestOptions
	for _, o := range r.opts {
		if o != nil {
			o(&ro)
		}
	}
	var body []byte
	contentType := "application/json"
	if rb, ok := r.body.(rawBody); ok {
		body, contentType = rb.data, rb.contentType
	} else if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("dialtone: encode %s %s request: %w", r.method, r.path, err)
		}
		body = b
	}
	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	header := http.Header{}
	if c.credential != "" {
		header.Set("Authorization", "Bearer "+c.credential)
	}
	header.Set("Accept", "application/json")
	header.Set("User-Agent", c.userAgent)
	if body != nil {
		header.Set("Content-Type", contentType)
	}
	if r.method == http.MethodPost {
		key := ro.idempotencyKey
		if key == "" {
			key = newIdempotencyKey()
		}
		header.Set("Idempotency-Key", key)
	}
	resp, data, err := c.send(ctx, r.method, u, header, body)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("dialtone: decode %s %s response (status %d, request_id %s): %w",
			r.method, r.path, resp.StatusCode, resp.Header.Get("X-Request-Id"), err)
	}
	return nil
}

// attempt sends one request and reads its whole response. A non-2xx status is returned as
// *Error together with the response.
func (c *Client) attempt(ctx context.Context, method, u string, header http.Header, body []byte) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, fmt.Errorf("dialtone: build request: %w", err)
	}
	req.Header = header.Clone()
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return resp, nil, fmt.Errorf("dialtone: read %s response (status %d): %w", method, resp.StatusCode, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, data, parseError(resp, data)
	}
	return resp, data, nil
}

// newIdempotencyKey returns a random UUID (version 4) from crypto/rand.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// pathID escapes id as one path segment, refusing an empty id (which would name another
// route).
func pathID(what, id string) (string, error) {
	if id == "" {
		return "", errors.New("dialtone: " + what + " id is empty")
	}
	return url.PathEscape(id), nil
}

// sendID performs r on one resource: the "{id}" in r.path becomes id, escaped (an empty id,
// of a what, is an error: it would name another route).
func sendID[T any](ctx context.Context, c *Client, what, id string, r request) (*T, error) {
	p, err := pathID(what, id)
	if err != nil {
		return nil, err
	}
	r.path = strings.Replace(r.path, "{id}", p, 1)
	return send[T](ctx, c, r)
}

// send performs r and decodes a successful answer into a new T.
func send[T any](ctx context.Context, c *Client, r request) (*T, error) {
	var v T
	if err := c.do(ctx, r, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
