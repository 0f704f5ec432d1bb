package twilio_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone/internal/carrier/twilio"
)

// libCase is one request for testdata/node/sign.js, which runs the twilio npm package.
type libCase struct {
	Token      string     `json:"token"`
	URL        string     `json:"url"`
	Params     url.Values `json:"params,omitempty"`
	Body       *string    `json:"body,omitempty"`
	Signatures []string   `json:"signatures"`
}

type libResult struct {
	Expected string `json:"expected"`
	Valid    []bool `json:"valid"`
}

// twilioLibrary runs the cases through Twilio's own Node library, an independent
// implementation of the signature. Without Node or the package the test skips (CI installs
// the package: see .ci/run), with CI set it fails.
func twilioLibrary(t *testing.T, cases []libCase) []libResult {
	t.Helper()
	dir := filepath.Join("testdata", "node")
	if _, err := exec.LookPath("node"); err != nil {
		skipOrFail(t, "node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "twilio")); err != nil {
		skipOrFail(t, "the twilio package is not installed: run npm ci --prefix internal/carrier/twilio/testdata/node")
	}
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "node", "sign.js")
	cmd.Dir, cmd.Stdin = dir, bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node sign.js: %v: %s", err, stderr.Bytes())
	}
	var res []libResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(cases) {
		t.Fatalf("node said %.300q: %v", out, err)
	}
	return res
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// flip changes one bit of the HMAC inside a signature, keeping it well-formed base64.
func flip(t *testing.T, sig string, rng *rand.Rand) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(raw) == 0 {
		t.Fatalf("signature %q: %v", sig, err)
	}
	raw[rng.IntN(len(raw))] ^= 1 << rng.IntN(8)
	return base64.StdEncoding.EncodeToString(raw)
}

// portVariant is u with its scheme's default port added or removed, or "" when it has another.
func portVariant(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	host, path, _ := strings.Cut(rest, "/")
	def := map[string]string{"http": ":80", "https": ":443"}[scheme]
	switch {
	case strings.HasSuffix(host, def):
		return scheme + "://" + strings.TrimSuffix(host, def) + "/" + path
	case !strings.Contains(host, ":"):
		return scheme + "://" + host + def + "/" + path
	}
	return ""
}

// Pieces of random strings: ASCII, characters that need escaping in a URL or form, Latin,
// CJK, ones from U+E000 to U+FFFF and above U+FFFF (which sort differently in UTF-16 and in
// code points), and combining marks.
var pieces = []string{"a", "Z", "0", "_", "-", ".", " ", "+", "&", "=", "%", "/", "?", "#", "é", "ß",
	"中", "\uFF21", "\uFFFD", "\uE000", "😀", "𝄞", "e\u0301", "'", "\"", "\\", "\n"}

func randString(rng *rand.Rand, maxLen int) string {
	var b strings.Builder
	for range rng.IntN(maxLen + 1) {
		if rng.IntN(3) == 0 {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		} else {
			b.WriteByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[rng.IntN(62)])
		}
	}
	return b.String()
}

func randURL(rng *rand.Rand) string {
	scheme := []string{"https", "http"}[rng.IntN(2)]
	host := []string{"dialtone.example.com", "127.0.0.1", "voice.example.org", "[2001:db8::5]"}[rng.IntN(4)]
	switch rng.IntN(4) {
	case 1:
		host += map[string]string{"http": ":80", "https": ":443"}[scheme]
	case 2:
		host += fmt.Sprintf(":%d", 1024+rng.IntN(60000))
	}
	path := "/twilio/" + []string{"voice", "sms", "status", "voice/gather"}[rng.IntN(4)]
	if rng.IntN(3) > 0 {
		q := url.Values{}
		for range 1 + rng.IntN(3) {
			q.Add(randString(rng, 6), randString(rng, 10))
		}
		path += "?" + q.Encode()
	}
	return scheme + "://" + host + path
}

func randParams(rng *rand.Rand) url.Values {
	names := []string{"CallSid", "AccountSid", "From", "To", "Body", "Digits", "SpeechResult", "MediaUrl0", "callSid", "From2"}
	p := url.Values{}
	for range rng.IntN(8) {
		name := names[rng.IntN(len(names))]
		if rng.IntN(4) == 0 {
			name = randString(rng, 8) // unicode names, sometimes empty
		}
		value := ""
		if rng.IntN(5) > 0 {
			value = randString(rng, 20)
		}
		p.Add(name, value) // a name drawn twice is a repeated parameter
		if rng.IntN(6) == 0 {
			p.Add(name, value) // and sometimes with the same value twice
		}
	}
	return p
}

// TestInteropWithTwilioLibrary: on random requests, our signature is the twilio npm package's,
// each side accepts the other's (also with the default port added or removed), and each
// refuses a signature with one bit flipped.
func TestInteropWithTwilioLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 6))
	var cases []libCase
	for i := range 200 {
		c := libCase{Token: randString(rng, 40), URL: randURL(rng)}
		if i%8 == 7 { // a JSON body, signed through bodySHA256
			body := fmt.Sprintf(`{"MessageSid":"SM%d","Body":%q}`, i, randString(rng, 30))
			sum := sha256.Sum256([]byte(body))
			sep := "?"
			if strings.Contains(c.URL, "?") {
				sep = "&"
			}
			c.URL += sep + "bodySHA256=" + hex.EncodeToString(sum[:])
			c.Body = &body
		} else {
			c.Params = randParams(rng)
		}
		ours := twilio.Signature(c.Token, c.URL, c.Params)
		c.Signatures = []string{ours, flip(t, ours, rng)}
		if v := portVariant(c.URL); v != "" {
			c.Signatures = append(c.Signatures, twilio.Signature(c.Token, v, c.Params))
		}
		cases = append(cases, c)
	}
	results := twilioLibrary(t, cases)
	for i, c := range cases {
		res := results[i]
		desc := fmt.Sprintf("case %d (token %q, url %q, params %q)", i, c.Token, c.URL, c.Params)
		if res.Expected != c.Signatures[0] {
			t.Errorf("%s: Signature = %q, the library's is %q", desc, c.Signatures[0], res.Expected)
		}
		if !res.Valid[0] {
			t.Errorf("%s: the library refused our signature", desc)
		}
		if res.Valid[1] {
			t.Errorf("%s: the library accepted our signature with a bit flipped", desc)
		}
		if len(res.Valid) > 2 && !res.Valid[2] {
			t.Errorf("%s: the library refused our signature of the URL's port variant", desc)
		}
		valid := func(u, sig string) bool {
			if c.Body != nil {
				return twilio.ValidRequestWithBody(c.Token, u, []byte(*c.Body), sig)
			}
			return twilio.ValidRequest(c.Token, u, c.Params, sig)
		}
		if !valid(c.URL, res.Expected) {
			t.Errorf("%s: ValidRequest refused the library's signature", desc)
		}
		if valid(c.URL, flip(t, res.Expected, rng)) {
			t.Errorf("%s: ValidRequest accepted the library's signature with a bit flipped", desc)
		}
		if v := portVariant(c.URL); v != "" && !valid(v, res.Expected) {
			t.Errorf("%s: ValidRequest refused the library's signature at %q", desc, v)
		}
	}
}
