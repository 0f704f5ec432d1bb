// Package twilio is the Twilio carrier adapter: Dialtone placing and receiving calls and SMS
// through the operator's own Twilio account. It is in progress (issue 8). So far it has the
// validation of the X-Twilio-Signature header that Twilio puts on every webhook request it
// sends (signature.go), a client for the parts of Twilio's REST API the adapter uses, with
// Twilio's errors as values (rest.go, rest_errors.go), and Media Streams: the protocol's
// messages (mediastream.go) and a dialtone.MediaLeg over one <Connect><Stream> WebSocket
// (mediastream_leg.go). Package twiliotest fakes Twilio's side of all three for tests.
package twilio
