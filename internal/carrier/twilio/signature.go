package twilio

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf16"
)

// HeaderSignature is the request header that carries Twilio's signature.
const HeaderSignature = "X-Twilio-Signature"

// MaxBody is the largest request body VerifyRequest reads. Twilio's webhook bodies are a few
// kilobytes at most.
const MaxBody = 64 << 10

var (
	// ErrBadSignature: the request has no X-Twilio-Signature header, or one that does not
	// match. A handler answers 403.
	ErrBadSignature = errors.New("twilio: missing or invalid X-Twilio-Signature")
	// ErrBodyTooLarge: the request body is longer than MaxBody. A handler answers 413.
	ErrBodyTooLarge = errors.New("twilio: request body too large")
)

// Signature returns the X-Twilio-Signature Twilio sends for a request to fullURL (scheme,
// host, path and query, exactly as requested) with the form-encoded POST parameters params
// (nil or empty for a GET, or for a JSON body signed through bodySHA256):
//
//	base64(HMAC-SHA1(authToken, fullURL + name1 + value1 + name2 + value2 + …))
//
// with the names sorted, and the values of a repeated name sorted and deduplicated, as
// Twilio's own libraries do. Strings are sorted by UTF-16 code units, the order of Twilio's
// Node library; it differs from code point order only for characters above U+FFFF against
// ones from U+E000 to U+FFFF, and ValidRequest accepts either.
func Signature(authToken, fullURL string, params url.Values) string {
	return sign(authToken, fullURL, params, lessUTF16)
}

func sign(authToken, fullURL string, params url.Values, less func(a, b string) int) string {
	mac := hmac.New(sha1.New, []byte(authToken))
	io.WriteString(mac, fullURL)
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	slices.SortFunc(names, less)
	for _, name := range names {
		values := slices.Clone(params[name])
		slices.SortFunc(values, less)
		values = slices.Compact(values)
		for _, v := range values {
			io.WriteString(mac, name)
			io.WriteString(mac, v)
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// lessUTF16 compares strings by their UTF-16 code units, as JavaScript's default sort does.
// Strings that only differ in invalid UTF-8 fall back to byte order, so the order is total.
func lessUTF16(a, b string) int {
	if c := slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b))); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// ValidRequest reports whether signature is Twilio's for a request to fullURL with the POST
// parameters params. Like Twilio's libraries it also accepts the signature of the URL with
// the scheme's default port added (https://host/… signed as https://host:443/…) or removed.
// Comparison is constant-time.
func ValidRequest(authToken, fullURL string, params url.Values, signature string) bool {
	if signature == "" {
		return false
	}
	got := []byte(signature)
	ok := false
	for _, u := range urlVariants(fullURL) {
		// Every candidate is computed and compared, so the time taken does not tell which matched.
		ok = hmac.Equal(got, []byte(sign(authToken, u, params, lessUTF16))) || ok
		if orderMatters(params) {
			ok = hmac.Equal(got, []byte(sign(authToken, u, params, strings.Compare))) || ok
		}
	}
	return ok
}

// orderMatters reports whether code point order and UTF-16 order sort params differently,
// which needs a character above U+FFFF somewhere.
func orderMatters(params url.Values) bool {
	for name, values := range params {
		if hasAstral(name) {
			return true
		}
		for _, v := range values {
			if hasAstral(v) {
				return true
			}
		}
	}
	return false
}

func hasAstral(s string) bool {
	for _, r := range s {
		if r > 0xFFFF {
			return true
		}
	}
	return false
}

// ValidRequestWithBody reports whether a request with a JSON (or other non-form) body is
// Twilio's: Twilio then adds a bodySHA256 query parameter, the lowercase hex SHA-256 of the
// body, to the URL, and signs the URL alone. Both the signature and the body's digest must
// match.
func ValidRequestWithBody(authToken, fullURL string, body []byte, signature string) bool {
	want := ""
	if i := strings.IndexByte(fullURL, '?'); i >= 0 {
		q := fullURL[i+1:]
		if j := strings.IndexByte(q, '#'); j >= 0 {
			q = q[:j]
		}
		values, _ := url.ParseQuery(q)
		want = values.Get("bodySHA256")
	}
	sum := sha256.Sum256(body)
	bodyOK := hmac.Equal([]byte(want), []byte(hex.EncodeToString(sum[:])))
	return ValidRequest(authToken, fullURL, nil, signature) && bodyOK
}

// urlVariants returns fullURL, and it with the default port of its scheme (http: 80, https:
// 443) added if it has no port or removed if it has that one. A URL with another port, or
// that is not http or https, has no variant.
func urlVariants(fullURL string) []string {
	i := strings.Index(fullURL, "://")
	if i <= 0 {
		return []string{fullURL}
	}
	scheme := strings.ToLower(fullURL[:i])
	var port string
	switch scheme {
	case "https":
		port = ":443"
	case "http":
		port = ":80"
	default:
		return []string{fullURL}
	}
	start := i + 3
	end := len(fullURL)
	if j := strings.IndexAny(fullURL[start:], "/?#"); j >= 0 {
		end = start + j
	}
	authority := fullURL[start:end]
	hostStart := strings.LastIndexByte(authority, '@') + 1
	hostPort := authority[hostStart:]
	colon := -1
	if j := strings.IndexByte(hostPort[strings.LastIndexByte(hostPort, ']')+1:], ':'); j >= 0 {
		colon = strings.LastIndexByte(hostPort, ']') + 1 + j
	}
	hostEnd := start + hostStart + len(hostPort) // where the port (or the rest) starts
	switch {
	case colon < 0:
		return []string{fullURL, fullURL[:hostEnd] + port + fullURL[hostEnd:]}
	case hostPort[colon:] == port:
		cut := start + hostStart + colon
		return []string{fullURL, fullURL[:cut] + fullURL[hostEnd:]}
	default:
		return []string{fullURL}
	}
}

// VerifyRequest checks that r comes from Twilio. publicURL is the server's public base URL as
// Twilio reaches it (the operator's --public-url, such as https://dialtone.example.com); the
// URL Twilio signed is publicURL followed by the request's path and query.
//
// A form-encoded body (Twilio's usual POST) is read, at most MaxBody bytes, and its parameters
// are signed too; r.Body is replaced by a reader of the same bytes, so a handler can still read
// or parse it. A request whose URL has bodySHA256 has its body checked against that digest. Any
// other request with a body is refused: its body would not be covered by the signature.
//
// The errors are ErrBadSignature (no header, or a wrong one), ErrBodyTooLarge, or one for a
// body that cannot be read or parsed.
func VerifyRequest(r *http.Request, publicURL, authToken string) error {
	signature := r.Header.Get(HeaderSignature)
	if signature == "" || authToken == "" {
		return ErrBadSignature
	}
	uri := r.RequestURI // the request target exactly as received, as Twilio signed it
	if uri == "" || !strings.HasPrefix(uri, "/") {
		uri = r.URL.RequestURI()
	}
	fullURL := strings.TrimSuffix(publicURL, "/") + uri

	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("twilio: reading the request body: %w", err)
		}
		if len(body) > MaxBody {
			return ErrBodyTooLarge
		}
	}

	if r.URL.Query().Has("bodySHA256") {
		if !ValidRequestWithBody(authToken, fullURL, body, signature) {
			return ErrBadSignature
		}
		return nil
	}
	var params url.Values
	if len(body) > 0 || r.Method == http.MethodPost {
		mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch {
		case mediaType == "application/x-www-form-urlencoded":
			var err error
			if params, err = url.ParseQuery(string(body)); err != nil {
				return fmt.Errorf("twilio: malformed form body: %w", err)
			}
		case len(body) > 0:
			return fmt.Errorf("%w: a %q body without bodySHA256 is not signed", ErrBadSignature, mediaType)
		}
	}
	if !ValidRequest(authToken, fullURL, params, signature) {
		return ErrBadSignature
	}
	return nil
}
