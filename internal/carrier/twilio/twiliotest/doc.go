// Package twiliotest is an in-process fake of Twilio, for tests and benchmarks that cannot
// reach the real service.
//
// The REST side (rest.go) serves the parts of Twilio's 2010-04-01 REST API that Dialtone's
// carrier uses, with Twilio's paths, HTTP Basic authentication, form-encoded parameters, JSON
// resources, SIDs and error documents, backed by in-memory accounts, numbers, calls and
// messages. It also plays Twilio's side of the webhooks: call status callbacks, message status
// callbacks and inbound SMS, each signed with X-Twilio-Signature exactly as Twilio signs them
// (twilio.Signature), so the handlers under test verify them as they would real ones.
//
// The Media Streams side (stream*.go) connects to a Media Streams WebSocket and streams audio
// as Twilio does.
package twiliotest
