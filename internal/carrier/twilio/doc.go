// Package twilio is the Twilio carrier adapter: Dialtone placing and receiving calls and SMS
// through the operator's own Twilio account. It is in progress: so far it has the validation
// of the X-Twilio-Signature header that Twilio puts on every webhook request it sends (voice
// and SMS URLs, status callbacks), so that only Twilio can drive those endpoints.
package twilio
