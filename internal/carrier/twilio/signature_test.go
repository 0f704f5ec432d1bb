package twilio_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone/internal/carrier/twilio"
)

// Twilio's documented example (also what the twilio npm package 6.2.0 computes).
const (
	docToken = "12345"
	docURL   = "https://mycompany.com/myapp.php?foo=1&bar=2"
	docSig   = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
)

func docParams() url.Values {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
		"From": {"+12349013030"}, "To": {"+18005551212"},
	}
}

func TestSignatureDocumentedExample(t *testing.T) {
	if got := twilio.Signature(docToken, docURL, docParams()); got != docSig {
		t.Fatalf("Signature = %q, want %q", got, docSig)
	}
	if !twilio.ValidRequest(docToken, docURL, docParams(), docSig) {
		t.Fatal("ValidRequest refused the documented signature")
	}
}

func TestValidRequestRefuses(t *testing.T) {
	changed := docParams()
	changed.Set("Digits", "1235")
	added := docParams()
	added.Set("Extra", "")
	flipped := []byte(docSig)
	flipped[3] ^= 1
	for _, tc := range []struct {
		name, token, url, sig string
		params                url.Values
	}{
		{"missing signature", docToken, docURL, "", docParams()},
		{"forged signature", docToken, docURL, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", docParams()},
		{"flipped bit", docToken, docURL, string(flipped), docParams()},
		{"truncated signature", docToken, docURL, docSig[:len(docSig)-2], docParams()},
		{"signature with a space", docToken, docURL, docSig + " ", docParams()},
		{"changed parameter", docToken, docURL, docSig, changed},
		{"added parameter", docToken, docURL, docSig, added},
		{"no parameters", docToken, docURL, docSig, nil},
		{"other token", "12346", docURL, docSig, docParams()},
		{"changed query", docToken, "https://mycompany.com/myapp.php?foo=1&bar=3", docSig, docParams()},
		{"changed path", docToken, "https://mycompany.com/myapp.php/?foo=1&bar=2", docSig, docParams()},
		{"changed scheme", docToken, "http://mycompany.com/myapp.php?foo=1&bar=2", docSig, docParams()},
		{"changed host", docToken, "https://mycompany.co/myapp.php?foo=1&bar=2", docSig, docParams()},
		{"wrong default port", docToken, "https://mycompany.com:80/myapp.php?foo=1&bar=2", docSig, docParams()},
		{"other port", docToken, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", docSig, docParams()},
	} {
		if twilio.ValidRequest(tc.token, tc.url, tc.params, tc.sig) {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

// TestValidRequestPorts: a signature over the URL with or without the scheme's default port
// validates against the other form, as Twilio's libraries allow; other ports must match.
func TestValidRequestPorts(t *testing.T) {
	p := url.Values{"MessageSid": {"SM1"}, "Body": {"hi"}}
	for _, pair := range [][2]string{
		{"https://dialtone.example.com/twilio/sms?x=1", "https://dialtone.example.com:443/twilio/sms?x=1"},
		{"http://dialtone.example.com/twilio/sms", "http://dialtone.example.com:80/twilio/sms"},
		{"HTTPS://dialtone.example.com", "HTTPS://dialtone.example.com:443"},
		{"https://user:pa:ss@dialtone.example.com/x", "https://user:pa:ss@dialtone.example.com:443/x"},
		{"https://[2001:db8::1]/x", "https://[2001:db8::1]:443/x"},
	} {
		for i := range 2 {
			signed, received := pair[i], pair[1-i]
			if !twilio.ValidRequest("tok", received, p, twilio.Signature("tok", signed, p)) {
				t.Errorf("signed %s, refused at %s", signed, received)
			}
		}
	}
	if twilio.ValidRequest("tok", "https://h.example/x", p, twilio.Signature("tok", "https://h.example:8443/x", p)) {
		t.Error("a signature with port 8443 validated without it")
	}
	if twilio.ValidRequest("tok", "https://h.example:8443/x", p, twilio.Signature("tok", "https://h.example/x", p)) {
		t.Error("a signature without a port validated with port 8443")
	}
	if twilio.ValidRequest("tok", "https://h.example/x", p, twilio.Signature("tok", "https://h.example:80/x", p)) {
		t.Error("https with port 80 treated as a default port")
	}
}

// TestRepeatedParameters: values of a repeated name are sorted and deduplicated, and the names
// sorted. The signatures were computed with the twilio npm package 6.2.0.
func TestRepeatedParameters(t *testing.T) {
	const u = "https://example.com/sms"
	const want = "zWeiUBLP9cQm8NBo4XBPUmZ5T8k="
	for _, p := range []url.Values{
		{"A": {"x"}, "B": {"a", "b"}},
		{"B": {"b", "a"}, "A": {"x"}},
		{"B": {"b", "a", "b"}, "A": {"x"}},
	} {
		if got := twilio.Signature("12345", u, p); got != want {
			t.Errorf("Signature(%v) = %q, want %q", p, got, want)
		}
	}
	if got := twilio.Signature("12345", u, url.Values{"A": {"x"}, "B": {"a", "b", "c"}}); got != "LM7jTkirbsZXbgjSVGvFuThv6XA=" {
		t.Errorf("three values: %q", got)
	}
	// The name+value concatenation has no separator: moving a character across it changes
	// nothing Twilio signs.
	if twilio.Signature("k", u, url.Values{"ab": {"c"}}) != twilio.Signature("k", u, url.Values{"a": {"bc"}}) {
		t.Error("the concatenation is not separator-free")
	}
}

// TestSortOrder: names and values sort by UTF-16 code units (JavaScript's order, Twilio's
// Node library) and ValidRequest also accepts code point order (Go's and Python's). U+FF21
// sorts after U+1F600 in UTF-16 (0xFF21 > 0xD83D) and before it by code point.
func TestSortOrder(t *testing.T) {
	const u = "https://example.com/x"
	p := url.Values{"\uFF21": {"1"}, "\U0001F600": {"2"}}
	sig := twilio.Signature("k", u, p)
	if want := twilio.Signature("k", u+"\U0001F600"+"2"+"\uFF21"+"1", nil); sig != want {
		t.Error("Signature did not sort in UTF-16 order")
	}
	if !twilio.ValidRequest("k", u, p, sig) {
		t.Error("UTF-16 order refused")
	}
	if !twilio.ValidRequest("k", u, p, twilio.Signature("k", u+"\uFF21"+"1"+"\U0001F600"+"2", nil)) {
		t.Error("code point order refused")
	}
}

func TestValidRequestWithBody(t *testing.T) {
	body := []byte(`{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}`)
	sum := sha256.Sum256(body)
	u := "https://example.com/myapp?bodySHA256=" + hex.EncodeToString(sum[:])
	// The library's signature for this URL and token "12345", from the twilio npm package 6.2.0.
	const sig = "hPXmLwIy3Fgqv1i9KPmH/HhQ6zo="
	if got := twilio.Signature("12345", u, nil); got != sig {
		t.Fatalf("Signature = %q, want %q", got, sig)
	}
	if !twilio.ValidRequestWithBody("12345", u, body, sig) {
		t.Fatal("refused")
	}
	if twilio.ValidRequestWithBody("12345", u, append(body[:len(body):len(body)], ' '), sig) {
		t.Error("accepted a changed body")
	}
	if twilio.ValidRequestWithBody("12346", u, body, sig) {
		t.Error("accepted another token")
	}
	upper := "https://example.com/myapp?bodySHA256=" + strings.ToUpper(hex.EncodeToString(sum[:]))
	if twilio.ValidRequestWithBody("12345", upper, body, twilio.Signature("12345", upper, nil)) {
		t.Error("accepted an uppercase digest (Twilio sends lowercase, its library compares exactly)")
	}
	noHash := "https://example.com/myapp"
	if twilio.ValidRequestWithBody("12345", noHash, body, twilio.Signature("12345", noHash, nil)) {
		t.Error("accepted a body without bodySHA256")
	}
	withPort := "https://example.com:443/myapp?bodySHA256=" + hex.EncodeToString(sum[:])
	if !twilio.ValidRequestWithBody("12345", withPort, body, sig) {
		t.Error("refused the URL with its default port")
	}
}

func formRequest(t *testing.T, method, target string, form url.Values) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestVerifyRequest(t *testing.T) {
	const public, token = "https://dialtone.example.com", "tok_0123456789abcdef"
	form := url.Values{"CallSid": {"CA1"}, "From": {"+15551230000"}, "SpeechResult": {"Grüß Gott & bye = ok"}}
	sig := twilio.Signature(token, public+"/twilio/voice?org=o%201", form)

	r := formRequest(t, http.MethodPost, "/twilio/voice?org=o%201", form)
	r.Header.Set("X-Twilio-Signature", sig)
	if err := twilio.VerifyRequest(r, public+"/", token); err != nil {
		t.Fatalf("form POST: %v", err)
	}
	// The handler after it still sees the body.
	if err := r.ParseForm(); err != nil || r.PostForm.Get("SpeechResult") != "Grüß Gott & bye = ok" || r.Form.Get("org") != "o 1" {
		t.Fatalf("after VerifyRequest: %v %v", err, r.Form)
	}

	for name, mutate := range map[string]func(*http.Request){
		"no header":      func(r *http.Request) { r.Header.Del("X-Twilio-Signature") },
		"wrong header":   func(r *http.Request) { r.Header.Set("X-Twilio-Signature", sig[1:]) },
		"other query":    func(r *http.Request) { r.RequestURI = "/twilio/voice?org=o%202" },
		"form as a JSON": func(r *http.Request) { r.Header.Set("Content-Type", "application/json") },
	} {
		r := formRequest(t, http.MethodPost, "/twilio/voice?org=o%201", form)
		r.Header.Set("X-Twilio-Signature", sig)
		mutate(r)
		if err := twilio.VerifyRequest(r, public, token); !errors.Is(err, twilio.ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", name, err)
		}
	}
	tampered := url.Values{"CallSid": {"CA1"}, "From": {"+15551230001"}, "SpeechResult": {"Grüß Gott & bye = ok"}}
	r = formRequest(t, http.MethodPost, "/twilio/voice?org=o%201", tampered)
	r.Header.Set("X-Twilio-Signature", sig)
	if err := twilio.VerifyRequest(r, public, token); !errors.Is(err, twilio.ErrBadSignature) {
		t.Errorf("tampered form: %v", err)
	}
	r = formRequest(t, http.MethodPost, "/twilio/voice?org=o%201", form)
	r.Header.Set("X-Twilio-Signature", sig)
	if err := twilio.VerifyRequest(r, "https://other.example.com", token); !errors.Is(err, twilio.ErrBadSignature) {
		t.Errorf("other public URL: %v", err)
	}
	r = formRequest(t, http.MethodPost, "/twilio/voice?org=o%201", form)
	r.Header.Set("X-Twilio-Signature", sig)
	if err := twilio.VerifyRequest(r, public, ""); !errors.Is(err, twilio.ErrBadSignature) {
		t.Errorf("no auth token: %v", err)
	}
}

func TestVerifyRequestGET(t *testing.T) {
	const public, token = "https://dialtone.example.com:443", "tok"
	target := "/twilio/status?CallSid=CA1&CallStatus=completed&x=%E2%9C%93"
	sig := twilio.Signature(token, "https://dialtone.example.com"+target, nil)
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.Header.Set("X-Twilio-Signature", sig)
	if err := twilio.VerifyRequest(r, public, token); err != nil {
		t.Fatalf("GET: %v", err)
	}
	r = httptest.NewRequest(http.MethodGet, strings.Replace(target, "completed", "failed", 1), nil)
	r.Header.Set("X-Twilio-Signature", sig)
	if err := twilio.VerifyRequest(r, public, token); !errors.Is(err, twilio.ErrBadSignature) {
		t.Errorf("changed query: %v", err)
	}
	// A body Twilio did not sign is refused rather than passed on unchecked.
	r = httptest.NewRequest(http.MethodGet, target, strings.NewReader("surprise"))
	r.Header.Set("X-Twilio-Signature", sig)
	if err := twilio.VerifyRequest(r, public, token); !errors.Is(err, twilio.ErrBadSignature) {
		t.Errorf("unsigned body: %v", err)
	}
}

func TestVerifyRequestJSONBody(t *testing.T) {
	const public, token = "https://dialtone.example.com", "tok"
	body := `{"MessageSid":"SM1","Body":"hé"}`
	sum := sha256.Sum256([]byte(body))
	target := "/twilio/events?bodySHA256=" + hex.EncodeToString(sum[:])
	sig := twilio.Signature(token, public+target, nil)
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Twilio-Signature", sig)
	if err := twilio.VerifyRequest(r, public, token); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if b, _ := io.ReadAll(r.Body); string(b) != body {
		t.Fatalf("body after VerifyRequest: %q", b)
	}
	r = httptest.NewRequest(http.MethodPost, target, strings.NewReader(body+" "))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Twilio-Signature", sig)
	if err := twilio.VerifyRequest(r, public, token); !errors.Is(err, twilio.ErrBadSignature) {
		t.Errorf("changed JSON body: %v", err)
	}
}

func TestVerifyRequestBoundedBody(t *testing.T) {
	const public, token = "https://dialtone.example.com", "tok"
	atLimit := url.Values{"Body": {strings.Repeat("a", twilio.MaxBody-len("Body="))}}
	r := formRequest(t, http.MethodPost, "/twilio/sms", atLimit)
	r.Header.Set("X-Twilio-Signature", twilio.Signature(token, public+"/twilio/sms", atLimit))
	if err := twilio.VerifyRequest(r, public, token); err != nil {
		t.Fatalf("a body of MaxBody bytes: %v", err)
	}
	over := url.Values{"Body": {strings.Repeat("a", twilio.MaxBody-len("Body=")+1)}}
	r = formRequest(t, http.MethodPost, "/twilio/sms", over)
	r.Header.Set("X-Twilio-Signature", twilio.Signature(token, public+"/twilio/sms", over))
	if err := twilio.VerifyRequest(r, public, token); !errors.Is(err, twilio.ErrBodyTooLarge) {
		t.Fatalf("a body of MaxBody+1 bytes: %v, want ErrBodyTooLarge", err)
	}
}

func FuzzValidRequest(f *testing.F) {
	f.Add("12345", docURL, "CallSid", "CA1234567890ABCDE", "Digits", "1234", docSig)
	f.Add("t", "https://[::1]:443/x?y", "a", "", "a", "b", "")
	f.Add("", "http://u@h:80", "\U0001F600", "\uFF21", "\uFF21", "\xff", "====")
	f.Add("k", "https://h:/", "", "", "", "", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
	f.Fuzz(func(t *testing.T, token, u, n1, v1, n2, v2, sig string) {
		p := url.Values{}
		p.Add(n1, v1)
		p.Add(n2, v2)
		twilio.ValidRequest(token, u, p, sig) // must not panic
		twilio.ValidRequestWithBody(token, u, []byte(v1), sig)
		good := twilio.Signature(token, u, p)
		if !twilio.ValidRequest(token, u, p, good) {
			t.Fatalf("Signature(%q, %q, %q) = %q does not validate", token, u, p, good)
		}
		reordered := url.Values{}
		reordered.Add(n2, v2)
		reordered.Add(n1, v1)
		if twilio.Signature(token, u, reordered) != good {
			t.Fatal("the signature depends on the order of the parameters")
		}
	})
}
