package twiliotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/dialtonehq/dialtone/internal/carrier/twilio"
)

// APIVersion is the REST API version the fake serves and reports in webhooks.
const APIVersion = "2010-04-01"

// timestampLayout is RFC 2822 as Twilio writes it: "Mon, 16 Aug 2010 03:45:01 +0000".
const timestampLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

var (
	// ErrNoCallbackURL: the resource has no URL to send that webhook to.
	ErrNoCallbackURL = errors.New("twiliotest: no webhook URL configured")
	// ErrNotSubscribed: the call's StatusCallbackEvent list does not include the event for that
	// status, so real Twilio would not send it. The call's status is updated all the same.
	ErrNotSubscribed = errors.New("twiliotest: status callback event not subscribed")
	// ErrUnknown: no such account, number, call or message in the fake.
	ErrUnknown = errors.New("twiliotest: unknown resource")
)

var e164Pattern = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// newSID returns a Twilio SID: the two-letter prefix ("PN", "CA", "SM", …) and 32 lowercase
// hex digits. (stream.go's NewSID is the same; this file keeps its own so the two halves of
// the fake stay independent.)
func newSID(prefix string) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return prefix + hex.EncodeToString(b[:])
}

// PhoneNumber is a snapshot of an IncomingPhoneNumber in the fake.
type PhoneNumber struct {
	SID, AccountSID, PhoneNumber string
	VoiceURL, VoiceMethod        string
	SMSURL, SMSMethod            string
	StatusCallback               string
	StatusCallbackMethod         string
	Updates                      int // how many POST IncomingPhoneNumbers/{Sid}.json it received
}

// OutboundCall is a snapshot of a call created through POST Calls.json.
type OutboundCall struct {
	SID, AccountSID, To, From string
	Status                    string       // queued, then whatever status callbacks or updates set
	Params                    url.Values   // the POST Calls.json form as received
	Updates                   []url.Values // every POST Calls/{Sid}.json form, in order
	Created, Answered         time.Time    // Answered is set by an "in-progress" status callback
	Callbacks                 int          // status callbacks sent so far (the next SequenceNumber)
}

// SMSMessage is a snapshot of a message: sent through POST Messages.json (Direction
// "outbound-api") or received through SendInboundSMS (Direction "inbound").
type SMSMessage struct {
	SID, AccountSID, To, From, Body string
	Status, Direction               string
	StatusCallback                  string
	NumSegments                     int
	Params                          url.Values // the POST Messages.json form, for outbound ones
}

type fault struct {
	status      int
	contentType string
	body        string
}

// Fake is an in-process fake of Twilio's REST API and webhooks. Create it with New and Close
// it when done. All its methods are safe for concurrent use.
type Fake struct {
	// Server serves the REST API: point twilio.REST.BaseURL at Server.URL.
	Server *httptest.Server
	// Client sends the fake's webhooks. New sets one with a 10 s timeout.
	Client *http.Client

	mu         sync.Mutex
	accounts   map[string]string // account SID → auth token
	numbers    []*PhoneNumber
	calls      []*OutboundCall
	inbound    map[string]*InboundCall // by CallSid
	messages   []*SMSMessage
	rejections map[string]int // destination → Twilio error code
	faults     []fault
	delays     []time.Duration
	onCreated  func(OutboundCall)
	onUpdated  func(OutboundCall, url.Values)
	now        func() time.Time
	closed     chan struct{}
	closeOnce  sync.Once
}

// New starts a fake with no accounts.
func New() *Fake {
	f := &Fake{
		Client:     &http.Client{Timeout: 10 * time.Second},
		accounts:   map[string]string{},
		rejections: map[string]int{},
		now:        time.Now,
		closed:     make(chan struct{}),
	}
	f.Server = httptest.NewServer(f)
	return f
}

// URL is the base URL of the fake REST API (for twilio.REST.BaseURL).
func (f *Fake) URL() string { return f.Server.URL }

// Close shuts the server down, ending requests held by DelayNext.
func (f *Fake) Close() {
	f.closeOnce.Do(func() { close(f.closed) })
	f.Server.Close()
}

// AddAccount adds (or re-keys) an account that authenticates with sid and token.
func (f *Fake) AddAccount(sid, token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts[sid] = token
}

// AddNumber gives the account the phone number e164, with no webhooks configured, and returns
// its SID ("PN…").
func (f *Fake) AddNumber(accountSID, e164 string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := &PhoneNumber{
		SID: newSID("PN"), AccountSID: accountSID, PhoneNumber: e164,
		VoiceMethod: "POST", SMSMethod: "POST", StatusCallbackMethod: "POST",
	}
	f.numbers = append(f.numbers, n)
	return n.SID
}

// Number returns the phone number e164 as configured now (in whichever account has it).
func (f *Fake) Number(e164 string) (PhoneNumber, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.numbers {
		if n.PhoneNumber == e164 {
			return *n, true
		}
	}
	return PhoneNumber{}, false
}

// Numbers returns every phone number, in the order they were added.
func (f *Fake) Numbers() []PhoneNumber {
	return snapshots(f, &f.numbers, func(n *PhoneNumber) PhoneNumber { return *n })
}

// Calls returns every call created through the API, in creation order.
func (f *Fake) Calls() []OutboundCall {
	return snapshots(f, &f.calls, (*OutboundCall).snapshot)
}

// snapshots copies the items of the list under f.mu with snap (the list is read under the
// lock too: the fake's handlers append to it).
func snapshots[T, S any](f *Fake, list *[]*T, snap func(*T) S) []S {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]S, len(*list))
	for i, it := range *list {
		out[i] = snap(it)
	}
	return out
}

// Call returns the call sid.
func (f *Fake) Call(sid string) (OutboundCall, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.findCall("", sid); c != nil {
		return c.snapshot(), true
	}
	return OutboundCall{}, false
}

func (c *OutboundCall) snapshot() OutboundCall {
	s := *c
	s.Params = cloneValues(c.Params)
	s.Updates = make([]url.Values, len(c.Updates))
	for i, u := range c.Updates {
		s.Updates[i] = cloneValues(u)
	}
	return s
}

// Messages returns every message, sent or received, in order.
func (f *Fake) Messages() []SMSMessage {
	return snapshots(f, &f.messages, func(m *SMSMessage) SMSMessage {
		c := *m
		c.Params = cloneValues(m.Params)
		return c
	})
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// RejectDestination makes calls and messages to the number to fail with the Twilio error
// code, as Twilio does for such a destination: for example 21215 (geographic permissions, for
// calls), 21408 (geographic permissions, for SMS), 21214 (not reachable), 13227, 21610
// (unsubscribed recipient, for SMS). A code of 0 removes the rejection.
func (f *Fake) RejectDestination(to string, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if code == 0 {
		delete(f.rejections, to)
		return
	}
	f.rejections[to] = code
}

// FailNext makes the next request (after any earlier queued failures) answer with the HTTP
// status and Twilio's error document for it: 429 → 20429 with Retry-After, 500 → 20500, 503 →
// 20503; another status gets code 0. Queued failures apply before authentication.
func (f *Fake) FailNext(status int) {
	e := apiError{Status: status, Message: http.StatusText(status)}
	switch status {
	case http.StatusTooManyRequests:
		e.Code, e.Message = twilio.CodeTooManyRequests, "Too Many Requests"
	case http.StatusInternalServerError:
		e.Code, e.Message = twilio.CodeInternalError, "Internal Server Error"
	case http.StatusServiceUnavailable:
		e.Code, e.Message = 20503, "Service Unavailable"
	}
	if e.Code != 0 {
		e.MoreInfo = moreInfo(e.Code)
	}
	body, _ := json.Marshal(e)
	f.FailNextRaw(status, "application/json", string(body))
}

// FailNextRaw makes the next request answer with exactly this status, content type and body
// (such as an HTML page from a load balancer).
func (f *Fake) FailNextRaw(status int, contentType, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, fault{status: status, contentType: contentType, body: body})
}

// DelayNext holds the next request for d before handling it (or until the client gives up).
func (f *Fake) DelayNext(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delays = append(f.delays, d)
}

// SetCallHooks sets functions called, each in its own goroutine, after a call is created
// through POST Calls.json and after each POST Calls/{Sid}.json, so a test or benchmark can
// drive the call from there (status callbacks with SendStatusCallback, Media Streams, …).
// The fake does not simulate the call by itself. Nil removes a hook.
func (f *Fake) SetCallHooks(created func(OutboundCall), updated func(call OutboundCall, update url.Values)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onCreated, f.onUpdated = created, updated
}

// --- REST API ---

// apiError is Twilio's REST error document.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func moreInfo(code int) string { return "https://www.twilio.com/docs/errors/" + strconv.Itoa(code) }

func writeError(w http.ResponseWriter, status, code int, format string, args ...any) {
	writeJSON(w, status, apiError{Code: code, Message: fmt.Sprintf(format, args...), MoreInfo: moreInfo(code), Status: status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
}

// rejection returns the HTTP status and message Twilio gives with code for destination to.
func rejection(code int, to string) (int, string) {
	switch code {
	case twilio.CodeInvalidTo:
		return 400, fmt.Sprintf("The 'To' number %s is not a valid phone number.", to)
	case twilio.CodeToUnreachable:
		return 400, "'To' phone number cannot be reached"
	case twilio.CodeGeoPermissionCall:
		return 400, fmt.Sprintf("Account not authorized to call %s. Perhaps you need to enable some international permissions: https://www.twilio.com/console/voice/calls/geo-permissions/low-risk", to)
	case twilio.CodeGeoPermissionSMS:
		return 400, fmt.Sprintf("Permission to send an SMS has not been enabled for the region indicated by the 'To' number: %s.", to)
	case twilio.CodeGeoPermissionBlocked:
		return 400, "Geo Permission configuration is not permitting call"
	case twilio.CodeUnsubscribed:
		return 400, "Attempt to send to unsubscribed recipient"
	}
	return 400, "The request was refused"
}

// ServeHTTP serves /2010-04-01/Accounts/{AccountSid}/… .
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	var delay time.Duration
	if len(f.delays) > 0 {
		delay, f.delays = f.delays[0], f.delays[1:]
	}
	var flt *fault
	if len(f.faults) > 0 {
		flt = &f.faults[0]
		f.faults = f.faults[1:]
	}
	f.mu.Unlock()

	if delay > 0 {
		// Read the body first: the server notices a client that gave up only once it has.
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-f.closed:
			t.Stop()
			return
		}
	}
	if flt != nil {
		w.Header().Set("Content-Type", flt.contentType)
		if flt.status == http.StatusTooManyRequests || flt.status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(flt.status)
		io.WriteString(w, flt.body)
		return
	}

	rest, ok := strings.CutPrefix(r.URL.Path, "/"+APIVersion+"/Accounts/")
	if !ok {
		writeError(w, 404, twilio.CodeNotFound, "The requested resource %s was not found", r.URL.Path)
		return
	}
	account, rel, _ := strings.Cut(rest, "/")
	user, pass, hasAuth := r.BasicAuth()
	f.mu.Lock()
	token, known := f.accounts[account]
	f.mu.Unlock()
	if !hasAuth || !known || user != account || subtle.ConstantTimeCompare([]byte(pass), []byte(token)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, 401, twilio.CodeAuthenticate, "Authenticate")
		return
	}

	var form url.Values
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			writeError(w, 400, 20001, "Invalid request body")
			return
		}
		form = r.PostForm // parameters of a POST travel in the body only
	}

	switch {
	case rel == "IncomingPhoneNumbers.json":
		if r.Method != http.MethodGet {
			f.methodNotAllowed(w)
			return
		}
		f.listNumbers(w, r, account)
	case rel == "Calls.json":
		if r.Method != http.MethodPost {
			f.methodNotAllowed(w)
			return
		}
		f.createCall(w, r, account, form)
	case rel == "Messages.json":
		if r.Method != http.MethodPost {
			f.methodNotAllowed(w)
			return
		}
		f.createMessage(w, r, account, form)
	case strings.HasPrefix(rel, "IncomingPhoneNumbers/") && strings.HasSuffix(rel, ".json"):
		sid := strings.TrimSuffix(strings.TrimPrefix(rel, "IncomingPhoneNumbers/"), ".json")
		switch r.Method {
		case http.MethodPost:
			f.updateNumber(w, r, account, sid, form)
		case http.MethodGet:
			f.fetchNumber(w, r, account, sid)
		default:
			f.methodNotAllowed(w)
		}
	case strings.HasPrefix(rel, "Calls/") && strings.HasSuffix(rel, ".json"):
		sid := strings.TrimSuffix(strings.TrimPrefix(rel, "Calls/"), ".json")
		switch r.Method {
		case http.MethodPost:
			f.updateCall(w, r, account, sid, form)
		case http.MethodGet:
			f.fetchCall(w, r, account, sid)
		default:
			f.methodNotAllowed(w)
		}
	default:
		writeError(w, 404, twilio.CodeNotFound, "The requested resource %s was not found", r.URL.Path)
	}
}

// methodNotAllowed answers 405 (Twilio's 20004).
func (f *Fake) methodNotAllowed(w http.ResponseWriter) {
	writeError(w, 405, 20004, "Method not allowed")
}

func (f *Fake) findNumber(account, sid string) *PhoneNumber {
	for _, n := range f.numbers {
		if n.SID == sid && (account == "" || n.AccountSID == account) {
			return n
		}
	}
	return nil
}

func (f *Fake) ownsNumber(account, e164 string) bool {
	for _, n := range f.numbers {
		if n.PhoneNumber == e164 && n.AccountSID == account {
			return true
		}
	}
	return false
}

func (f *Fake) findCall(account, sid string) *OutboundCall {
	for _, c := range f.calls {
		if c.SID == sid && (account == "" || c.AccountSID == account) {
			return c
		}
	}
	return nil
}

func friendly(e164 string) string {
	if len(e164) == 12 && strings.HasPrefix(e164, "+1") {
		return fmt.Sprintf("(%s) %s-%s", e164[2:5], e164[5:8], e164[8:])
	}
	return e164
}

func (f *Fake) numberJSON(n *PhoneNumber) map[string]any {
	now := f.now().UTC().Format(timestampLayout)
	return map[string]any{
		"sid":                      n.SID,
		"account_sid":              n.AccountSID,
		"friendly_name":            friendly(n.PhoneNumber),
		"phone_number":             n.PhoneNumber,
		"voice_url":                n.VoiceURL,
		"voice_method":             n.VoiceMethod,
		"voice_fallback_url":       "",
		"voice_fallback_method":    "POST",
		"voice_caller_id_lookup":   false,
		"voice_application_sid":    "",
		"sms_url":                  n.SMSURL,
		"sms_method":               n.SMSMethod,
		"sms_fallback_url":         "",
		"sms_fallback_method":      "POST",
		"sms_application_sid":      "",
		"status_callback":          n.StatusCallback,
		"status_callback_method":   n.StatusCallbackMethod,
		"capabilities":             map[string]bool{"voice": true, "sms": true, "mms": true, "fax": false},
		"status":                   "in-use",
		"origin":                   "twilio",
		"address_requirements":     "none",
		"beta":                     false,
		"api_version":              APIVersion,
		"date_created":             now,
		"date_updated":             now,
		"trunk_sid":                nil,
		"emergency_status":         "Inactive",
		"identity_sid":             nil,
		"bundle_sid":               nil,
		"uri":                      "/" + APIVersion + "/Accounts/" + n.AccountSID + "/IncomingPhoneNumbers/" + n.SID + ".json",
		"subresource_uris":         map[string]string{"assigned_add_ons": "/" + APIVersion + "/Accounts/" + n.AccountSID + "/IncomingPhoneNumbers/" + n.SID + "/AssignedAddOns.json"},
		"voice_receive_mode":       "voice",
		"emergency_address_sid":    nil,
		"emergency_address_status": "unregistered",
	}
}

// listNumbers: GET IncomingPhoneNumbers.json[?PhoneNumber=…]. Like Twilio, PhoneNumber
// matches any part of a number.
func (f *Fake) listNumbers(w http.ResponseWriter, r *http.Request, account string) {
	filter := r.URL.Query().Get("PhoneNumber")
	f.mu.Lock()
	list := []map[string]any{}
	for _, n := range f.numbers {
		if n.AccountSID == account && strings.Contains(n.PhoneNumber, filter) {
			list = append(list, f.numberJSON(n))
		}
	}
	f.mu.Unlock()
	uri := r.URL.RequestURI()
	writeJSON(w, 200, map[string]any{
		"incoming_phone_numbers": list,
		"first_page_uri":         uri,
		"next_page_uri":          nil,
		"previous_page_uri":      nil,
		"page":                   0,
		"page_size":              50,
		"start":                  0,
		"end":                    max(len(list)-1, 0),
		"uri":                    uri,
	})
}

func (f *Fake) fetchNumber(w http.ResponseWriter, r *http.Request, account, sid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.findNumber(account, sid)
	if n == nil {
		writeError(w, 404, twilio.CodeNotFound, "The requested resource %s was not found", r.URL.Path)
		return
	}
	writeJSON(w, 200, f.numberJSON(n))
}

// updateNumber: POST IncomingPhoneNumbers/{Sid}.json. Parameters present in the form are
// applied (an empty URL clears it); absent ones are left as they are.
func (f *Fake) updateNumber(w http.ResponseWriter, r *http.Request, account, sid string, form url.Values) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.findNumber(account, sid)
	if n == nil {
		writeError(w, 404, twilio.CodeNotFound, "The requested resource %s was not found", r.URL.Path)
		return
	}
	for name, field := range map[string]*string{
		"VoiceMethod": &n.VoiceMethod, "SmsMethod": &n.SMSMethod, "StatusCallbackMethod": &n.StatusCallbackMethod,
	} {
		if form.Has(name) {
			m := strings.ToUpper(form.Get(name))
			if m != "GET" && m != "POST" {
				writeError(w, 400, 21207, "%s is not valid. Valid values are GET and POST", name)
				return
			}
			*field = m
		}
	}
	for name, field := range map[string]*string{
		"VoiceUrl": &n.VoiceURL, "SmsUrl": &n.SMSURL, "StatusCallback": &n.StatusCallback,
	} {
		if form.Has(name) {
			v := form.Get(name)
			if v != "" && !validURL(v) {
				writeError(w, 400, 21502, "%s is not a valid URL: %s", name, v)
				return
			}
			*field = v
		}
	}
	n.Updates++
	writeJSON(w, 200, f.numberJSON(n))
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

var callEvents = []string{"initiated", "ringing", "answered", "completed"}

// createCall: POST Calls.json.
func (f *Fake) createCall(w http.ResponseWriter, r *http.Request, account string, form url.Values) {
	to, from := form.Get("To"), form.Get("From")
	switch {
	case to == "":
		writeError(w, 400, 21201, "No 'To' number is specified")
		return
	case from == "":
		writeError(w, 400, 21213, "No 'From' number is specified")
		return
	case form.Get("Url") == "" && form.Get("Twiml") == "" && form.Get("ApplicationSid") == "":
		writeError(w, 400, 21205, "Url parameter is required. Please provide a Url, Twiml or ApplicationSid")
		return
	case form.Get("Url") != "" && !validURL(form.Get("Url")):
		writeError(w, 400, 21205, "Url is not a valid URL: %s", form.Get("Url"))
		return
	case form.Get("StatusCallback") != "" && !validURL(form.Get("StatusCallback")):
		writeError(w, 400, 21609, "Invalid StatusCallback url: %s", form.Get("StatusCallback"))
		return
	case !e164Pattern.MatchString(to):
		writeError(w, 400, twilio.CodeInvalidTo, "The 'To' number %s is not a valid phone number.", to)
		return
	}
	for _, ev := range form["StatusCallbackEvent"] {
		for _, e := range strings.Fields(ev) { // Twilio also accepts them space-separated
			if !slices.Contains(callEvents, e) {
				writeError(w, 400, 21626, "Invalid 'StatusCallbackEvent': %s", e)
				return
			}
		}
	}
	if md := form.Get("MachineDetection"); md != "" && md != "Enable" && md != "DetectMessageEnd" {
		writeError(w, 400, 21629, "MachineDetection must be one of Enable, DetectMessageEnd")
		return
	}
	if t := form.Get("Timeout"); t != "" {
		if n, err := strconv.Atoi(t); err != nil || n < 0 {
			writeError(w, 400, 21216, "Timeout must be a positive integer")
			return
		}
	}

	if !f.lockSender(w, account, from, to, func() {
		writeError(w, 400, 21210, "The source phone number provided, %s, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.", from)
	}) {
		return
	}
	c := &OutboundCall{
		SID: newSID("CA"), AccountSID: account, To: to, From: from, Status: "queued",
		Params: cloneValues(form), Created: f.now(),
	}
	f.calls = append(f.calls, c)
	body := f.callJSON(c)
	snap, hook := c.snapshot(), f.onCreated
	f.mu.Unlock()

	writeJSON(w, http.StatusCreated, body)
	if hook != nil {
		go hook(snap)
	}
}

func (f *Fake) callJSON(c *OutboundCall) map[string]any {
	base := "/" + APIVersion + "/Accounts/" + c.AccountSID + "/Calls/" + c.SID
	var phoneSID string
	for _, n := range f.numbers {
		if n.PhoneNumber == c.From && n.AccountSID == c.AccountSID {
			phoneSID = n.SID
		}
	}
	return map[string]any{
		"sid":              c.SID,
		"account_sid":      c.AccountSID,
		"parent_call_sid":  nil,
		"to":               c.To,
		"to_formatted":     friendly(c.To),
		"from":             c.From,
		"from_formatted":   friendly(c.From),
		"phone_number_sid": phoneSID,
		"status":           c.Status,
		"start_time":       nil,
		"end_time":         nil,
		"duration":         nil,
		"price":            nil,
		"price_unit":       "USD",
		"direction":        "outbound-api",
		"answered_by":      nil,
		"api_version":      APIVersion,
		"forwarded_from":   nil,
		"group_sid":        nil,
		"caller_name":      nil,
		"queue_time":       "0",
		"trunk_sid":        nil,
		"date_created":     c.Created.UTC().Format(timestampLayout),
		"date_updated":     f.now().UTC().Format(timestampLayout),
		"uri":              base + ".json",
		"subresource_uris": map[string]string{
			"notifications": base + "/Notifications.json",
			"recordings":    base + "/Recordings.json",
			"events":        base + "/Events.json",
			"streams":       base + "/Streams.json",
		},
	}
}

func (f *Fake) fetchCall(w http.ResponseWriter, r *http.Request, account, sid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.findCall(account, sid)
	if c == nil {
		writeError(w, 404, twilio.CodeNotFound, "The requested resource %s was not found", r.URL.Path)
		return
	}
	writeJSON(w, 200, f.callJSON(c))
}

func terminal(status string) bool {
	switch status {
	case "completed", "busy", "no-answer", "failed", "canceled":
		return true
	}
	return false
}

// updateCall: POST Calls/{Sid}.json with Status=completed|canceled, or Twiml / Url.
func (f *Fake) updateCall(w http.ResponseWriter, r *http.Request, account, sid string, form url.Values) {
	f.mu.Lock()
	c := f.findCall(account, sid)
	if c == nil {
		f.mu.Unlock()
		writeError(w, 404, twilio.CodeNotFound, "The requested resource %s was not found", r.URL.Path)
		return
	}
	status := form.Get("Status")
	if status != "" && status != "completed" && status != "canceled" {
		f.mu.Unlock()
		writeError(w, 400, 21218, "Invalid Status: %s. Status must be one of canceled, completed", status)
		return
	}
	if u := form.Get("Url"); u != "" && !validURL(u) {
		f.mu.Unlock()
		writeError(w, 400, 21205, "Url is not a valid URL: %s", u)
		return
	}
	redirect := form.Get("Twiml") != "" || form.Get("Url") != ""
	if redirect && status == "" && terminal(c.Status) {
		f.mu.Unlock()
		writeError(w, 400, 21220, "Call is not in-progress. Cannot redirect.")
		return
	}
	c.Updates = append(c.Updates, cloneValues(form))
	if status != "" && !terminal(c.Status) {
		c.Status = status
	}
	body := f.callJSON(c)
	snap, hook := c.snapshot(), f.onUpdated
	f.mu.Unlock()

	writeJSON(w, 200, body)
	if hook != nil {
		go hook(snap, cloneValues(form))
	}
}

// createMessage: POST Messages.json.
func (f *Fake) createMessage(w http.ResponseWriter, r *http.Request, account string, form url.Values) {
	to, from, body := form.Get("To"), form.Get("From"), form.Get("Body")
	switch {
	case to == "":
		writeError(w, 400, 21604, "A 'To' phone number is required.")
		return
	case from == "" && form.Get("MessagingServiceSid") == "":
		writeError(w, 400, 21603, "A 'From' phone number is required.")
		return
	case body == "" && form.Get("MediaUrl") == "":
		writeError(w, 400, 21602, "Message body is required.")
		return
	case len(utf16.Encode([]rune(body))) > 1600:
		writeError(w, 400, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	case form.Get("StatusCallback") != "" && !validURL(form.Get("StatusCallback")):
		writeError(w, 400, 21609, "Invalid StatusCallback url: %s", form.Get("StatusCallback"))
		return
	case !e164Pattern.MatchString(to):
		writeError(w, 400, twilio.CodeInvalidTo, "The 'To' number %s is not a valid phone number.", to)
		return
	}
	if !f.lockSender(w, account, from, to, func() {
		writeError(w, 400, 21660, "Mismatch between the 'From' number %s and the account %s", from, account)
	}) {
		return
	}
	m := &SMSMessage{
		SID: newSID("SM"), AccountSID: account, To: to, From: from, Body: body,
		Status: "queued", Direction: "outbound-api", StatusCallback: form.Get("StatusCallback"),
		NumSegments: Segments(body), Params: cloneValues(form),
	}
	f.messages = append(f.messages, m)
	out := f.messageJSON(m)
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func (f *Fake) messageJSON(m *SMSMessage) map[string]any {
	now := f.now().UTC().Format(timestampLayout)
	base := "/" + APIVersion + "/Accounts/" + m.AccountSID + "/Messages/" + m.SID
	return map[string]any{
		"sid":                   m.SID,
		"account_sid":           m.AccountSID,
		"to":                    m.To,
		"from":                  m.From,
		"body":                  m.Body,
		"status":                m.Status,
		"direction":             m.Direction,
		"num_segments":          strconv.Itoa(m.NumSegments),
		"num_media":             "0",
		"messaging_service_sid": nil,
		"error_code":            nil,
		"error_message":         nil,
		"price":                 nil,
		"price_unit":            "USD",
		"api_version":           APIVersion,
		"date_created":          now,
		"date_updated":          now,
		"date_sent":             nil,
		"uri":                   base + ".json",
		"subresource_uris":      map[string]string{"media": base + "/Media.json"},
	}
}

// gsm7 is the GSM 03.38 basic character set; gsm7ext holds the characters that take two
// septets (an escape and the character).
const (
	gsm7    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7ext = "^{}\\[~]|€\f"
)

// Segments returns how many SMS segments body takes: 160 GSM-7 septets in one segment or 153
// per segment of a longer message; otherwise UCS-2, 70 UTF-16 units or 67 per segment.
func Segments(body string) int {
	septets, gsm := 0, true
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsm7, r):
			septets++
		case strings.ContainsRune(gsm7ext, r):
			septets += 2
		default:
			gsm = false
		}
	}
	if gsm {
		if septets <= 160 {
			return 1
		}
		return (septets + 152) / 153
	}
	units := len(utf16.Encode([]rune(body)))
	if units <= 70 {
		return 1
	}
	return (units + 66) / 67
}

// --- webhooks ---

// deliver sends a webhook to target with Twilio's signature, as a form POST or, for GET, with
// the parameters in the query string; it returns the response body, or an error for a
// transport failure or a non-2xx status.
func (f *Fake) deliver(ctx context.Context, token, method, target string, params url.Values) ([]byte, error) {
	method = strings.ToUpper(method)
	if method == "" {
		method = http.MethodPost
	}
	var req *http.Request
	var err error
	if method == http.MethodGet {
		full := target
		if enc := params.Encode(); enc != "" {
			if strings.Contains(full, "?") {
				full += "&" + enc
			} else {
				full += "?" + enc
			}
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, full, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set(twilio.HeaderSignature, twilio.Signature(token, full, nil))
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(params.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twilio.HeaderSignature, twilio.Signature(token, target, params))
	}
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("I-Twilio-Idempotency-Token", newSID(""))
	resp, err := f.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return body, fmt.Errorf("twiliotest: %s %s answered %d: %s", method, target, resp.StatusCode, bytes.TrimSpace(body[:min(len(body), 200)]))
	}
	return body, nil
}

// eventFor is the StatusCallbackEvent under which Twilio reports a call status.
func eventFor(status string) string {
	switch status {
	case "initiated", "queued":
		return "initiated"
	case "ringing":
		return "ringing"
	case "in-progress", "answered":
		return "answered"
	}
	return "completed"
}

// SendStatusCallback moves the call callSid to status (initiated, ringing, in-progress,
// completed, busy, no-answer, failed or canceled) and POSTs Twilio's status callback for it
// to the call's StatusCallback URL (with its StatusCallbackMethod), signed with the account's
// token over that exact URL: CallSid, AccountSid, From, To, Called, Caller, CallStatus,
// Direction (outbound-api), ApiVersion, Timestamp, SequenceNumber (0, 1, … per call),
// CallbackSource (call-progress-events), and CallDuration (seconds since answered) for a
// final status. extra adds or overrides parameters (AnsweredBy, SipResponseCode, …).
//
// As Twilio does, only events listed in the call's StatusCallbackEvent are sent, except the
// final one which is always sent; otherwise it returns ErrNotSubscribed (the status still
// changes). A non-2xx answer is an error.
func (f *Fake) SendStatusCallback(ctx context.Context, callSid, status string, extra url.Values) error {
	f.mu.Lock()
	c := f.findCall("", callSid)
	if c == nil {
		f.mu.Unlock()
		return fmt.Errorf("%w: call %s", ErrUnknown, callSid)
	}
	now := f.now()
	c.Status = status
	if status == "in-progress" && c.Answered.IsZero() {
		c.Answered = now
	}
	target, method := c.Params.Get("StatusCallback"), c.Params.Get("StatusCallbackMethod")
	event := eventFor(status)
	subscribed := event == "completed"
	for _, ev := range c.Params["StatusCallbackEvent"] {
		if slices.Contains(strings.Fields(ev), event) {
			subscribed = true
		}
	}
	if target == "" {
		f.mu.Unlock()
		return fmt.Errorf("%w: call %s has no StatusCallback", ErrNoCallbackURL, callSid)
	}
	if !subscribed {
		f.mu.Unlock()
		return fmt.Errorf("%w: %q (call %s)", ErrNotSubscribed, event, callSid)
	}
	params := url.Values{
		"CallSid":        {c.SID},
		"AccountSid":     {c.AccountSID},
		"From":           {c.From},
		"To":             {c.To},
		"Caller":         {c.From},
		"Called":         {c.To},
		"CallStatus":     {status},
		"Direction":      {"outbound-api"},
		"ApiVersion":     {APIVersion},
		"Timestamp":      {now.UTC().Format(timestampLayout)},
		"SequenceNumber": {strconv.Itoa(c.Callbacks)},
		"CallbackSource": {"call-progress-events"},
	}
	if terminal(status) {
		secs := 0
		if !c.Answered.IsZero() {
			secs = int(now.Sub(c.Answered).Round(time.Second) / time.Second)
		}
		params.Set("CallDuration", strconv.Itoa(secs))
	}
	for k, vs := range extra {
		params[k] = slices.Clone(vs)
	}
	c.Callbacks++
	token := f.accounts[c.AccountSID]
	f.mu.Unlock()

	_, err := f.deliver(ctx, token, method, target, params)
	return err
}

// SendAMDResult POSTs the asynchronous answering-machine-detection result for the call to its
// AsyncAmdStatusCallback (with AsyncAmdStatusCallbackMethod): CallSid, AccountSid, AnsweredBy
// (human, machine_start, machine_end_beep, machine_end_silence, machine_end_other, fax,
// unknown) and MachineDetectionDuration in milliseconds, signed like every webhook.
func (f *Fake) SendAMDResult(ctx context.Context, callSid, answeredBy string, detection time.Duration) error {
	f.mu.Lock()
	c := f.findCall("", callSid)
	if c == nil {
		f.mu.Unlock()
		return fmt.Errorf("%w: call %s", ErrUnknown, callSid)
	}
	target, method := c.Params.Get("AsyncAmdStatusCallback"), c.Params.Get("AsyncAmdStatusCallbackMethod")
	params := url.Values{
		"CallSid":                  {c.SID},
		"AccountSid":               {c.AccountSID},
		"AnsweredBy":               {answeredBy},
		"MachineDetectionDuration": {strconv.FormatInt(detection.Milliseconds(), 10)},
	}
	token := f.accounts[c.AccountSID]
	f.mu.Unlock()
	if target == "" {
		return fmt.Errorf("%w: call %s has no AsyncAmdStatusCallback", ErrNoCallbackURL, callSid)
	}
	_, err := f.deliver(ctx, token, method, target, params)
	return err
}

// SendMessageStatus moves the outbound message messageSid to status (sent, delivered,
// undelivered, failed, …) and POSTs Twilio's message status callback to its StatusCallback:
// MessageSid, SmsSid, MessageStatus, SmsStatus, AccountSid, From, To, ApiVersion, and
// ErrorCode when errorCode is not 0 (Twilio adds it for failed and undelivered messages),
// signed with the account's token.
func (f *Fake) SendMessageStatus(ctx context.Context, messageSid, status string, errorCode int) error {
	f.mu.Lock()
	var m *SMSMessage
	for _, x := range f.messages {
		if x.SID == messageSid {
			m = x
		}
	}
	if m == nil {
		f.mu.Unlock()
		return fmt.Errorf("%w: message %s", ErrUnknown, messageSid)
	}
	m.Status = status
	params := url.Values{
		"MessageSid":    {m.SID},
		"SmsSid":        {m.SID},
		"MessageStatus": {status},
		"SmsStatus":     {status},
		"AccountSid":    {m.AccountSID},
		"From":          {m.From},
		"To":            {m.To},
		"ApiVersion":    {APIVersion},
	}
	if errorCode != 0 {
		params.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	target := m.StatusCallback
	token := f.accounts[m.AccountSID]
	f.mu.Unlock()
	if target == "" {
		return fmt.Errorf("%w: message %s has no StatusCallback", ErrNoCallbackURL, messageSid)
	}
	_, err := f.deliver(ctx, token, http.MethodPost, target, params)
	return err
}

// SendInboundSMS delivers an SMS from from to the account's number to, as Twilio does: a
// request to the number's SmsUrl (with its SmsMethod) carrying MessageSid, SmsSid,
// SmsMessageSid, AccountSid, From, To, Body, NumMedia (0), NumSegments, SmsStatus (received)
// and ApiVersion, signed with the account's token. It returns the new message's SID and the
// response body (TwiML, possibly a <Message> reply).
func (f *Fake) SendInboundSMS(ctx context.Context, accountSid, from, to, body string) (string, []byte, error) {
	f.mu.Lock()
	n, token, err := f.accountNumberLocked(accountSid, to)
	if err != nil {
		f.mu.Unlock()
		return "", nil, err
	}
	target, method := n.SMSURL, n.SMSMethod
	m := &SMSMessage{
		SID: newSID("SM"), AccountSID: accountSid, To: to, From: from, Body: body,
		Status: "received", Direction: "inbound", NumSegments: Segments(body),
	}
	f.messages = append(f.messages, m)
	f.mu.Unlock()
	if target == "" {
		return m.SID, nil, fmt.Errorf("%w: number %s has no SmsUrl", ErrNoCallbackURL, to)
	}
	params := url.Values{
		"MessageSid":    {m.SID},
		"SmsSid":        {m.SID},
		"SmsMessageSid": {m.SID},
		"AccountSid":    {accountSid},
		"From":          {from},
		"To":            {to},
		"Body":          {body},
		"NumMedia":      {"0"},
		"NumSegments":   {strconv.Itoa(m.NumSegments)},
		"SmsStatus":     {"received"},
		"ApiVersion":    {APIVersion},
	}
	resp, err := f.deliver(ctx, token, method, target, params)
	return m.SID, resp, err
}

// accountNumberLocked returns the account's number e164 and the account's token, or
// ErrUnknown (f.mu held).
func (f *Fake) accountNumberLocked(accountSid, e164 string) (*PhoneNumber, string, error) {
	var n *PhoneNumber
	for _, x := range f.numbers {
		if x.PhoneNumber == e164 && x.AccountSID == accountSid {
			n = x
		}
	}
	token, known := f.accounts[accountSid]
	if n == nil || !known {
		return nil, "", fmt.Errorf("%w: number %s in account %s", ErrUnknown, e164, accountSid)
	}
	return n, token, nil
}

// lockSender takes f.mu and checks that a call or message from may go to to: a rejection the
// test set for to is answered with its error, a from the account does not own with notOwned.
// It reports true with f.mu held, or false, having answered, with f.mu released.
func (f *Fake) lockSender(w http.ResponseWriter, account, from, to string, notOwned func()) bool {
	f.mu.Lock()
	if code := f.rejections[to]; code != 0 {
		f.mu.Unlock()
		status, msg := rejection(code, to)
		writeError(w, status, code, "%s", msg)
		return false
	}
	if !f.ownsNumber(account, from) {
		f.mu.Unlock()
		notOwned()
		return false
	}
	return true
}
