package twilio

import (
	"context"
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// SendSMS sends msg through the Messages API from msg.Account and returns Twilio's message
// SID; Twilio reports its delivery to the message's status webhook. Twilio's refusals are
// *dialtone.CarrierMessageError: recipient_unsubscribed for a recipient who replied STOP to
// this sender at Twilio (21610), carrier_rejected for a destination the account may not text
// (21408) or an invalid one (21211), carrier_error for anything else (authentication, rate
// limits, Twilio failing).
func (c *Carrier) SendSMS(ctx context.Context, msg dialtone.OutboundSMS, _ dialtone.MessageEvents) (string, error) {
	if msg.Account == nil {
		return "", errNoAccount
	}
	m, err := c.rest(*msg.Account).CreateMessage(ctx, MessageParams{To: msg.To, From: msg.From, Body: msg.Body,
		StatusCallback: c.opts.PublicURL + PathMessages + msg.MessageID + pathStatusSuffix})
	if err == nil {
		return m.SID, nil
	}
	code := dialtone.MessageErrorCarrier
	switch {
	case IsUnsubscribed(err):
		code = dialtone.MessageErrorUnsubscribed
	case IsDestinationNotAllowed(err), IsInvalidNumber(err):
		code = dialtone.MessageErrorCarrierRejected
	}
	return "", &dialtone.CarrierMessageError{Code: code, Message: providerError(err).Message + " (" + err.Error() + ")"}
}

// messageErrorCode maps the ErrorCode of an undelivered or failed message to Dialtone's.
func messageErrorCode(twilio string) string {
	switch twilio {
	case "30003", "30005":
		return dialtone.MessageErrorUnreachable
	case "30006":
		return dialtone.MessageErrorLandline
	case "30004", "30007":
		return dialtone.MessageErrorCarrierRejected
	case "21610":
		return dialtone.MessageErrorUnsubscribed
	}
	return dialtone.MessageErrorCarrier
}

// messageStatus reports a sent text's delivery (its StatusCallback), checked with the account
// of the number it was sent from.
func (c *Carrier) messageStatus(w http.ResponseWriter, r *http.Request) {
	form, _, ok := c.numberRequest(w, r, "From")
	if !ok {
		return
	}
	report := dialtone.MessageStatusReport{MessageID: r.PathValue("id"), CarrierMessageID: form.Get("MessageSid")}
	switch form.Get("MessageStatus") {
	case "sent":
		report.Status = dialtone.MessageSent
	case "delivered":
		report.Status = dialtone.MessageDelivered
	case "undelivered":
		report.Status, report.ErrorCode = dialtone.MessageUndelivered, messageErrorCode(form.Get("ErrorCode"))
	case "failed":
		report.Status, report.ErrorCode = dialtone.MessageFailed, messageErrorCode(form.Get("ErrorCode"))
	default: // queued, sending, accepted…: nothing Dialtone shows
		w.WriteHeader(http.StatusNoContent)
		return
	}
	c.core().MessageStatus(r.Context(), report)
	w.WriteHeader(http.StatusNoContent)
}

// sms stores a text arriving at an imported number; keyword answers and agent replies are
// sent through the Messages API like any message, so the TwiML answer is empty.
func (c *Carrier) sms(w http.ResponseWriter, r *http.Request) {
	form, n, ok := c.numberRequest(w, r, "To")
	if !ok {
		return
	}
	in := dialtone.InboundSMS{From: form.Get("From"), To: form.Get("To"), Body: form.Get("Body"), CarrierMessageID: form.Get("MessageSid")}
	if _, err := c.core().IncomingSMS(r.Context(), n, in); err != nil {
		// Twilio retries nothing for SMS webhooks; a 5xx shows in its debugger.
		c.log.ErrorContext(r.Context(), "twilio: store an arriving text", "message_sid", in.CarrierMessageID, "error", err)
		http.Error(w, "could not store the message", http.StatusInternalServerError)
		return
	}
	writeTwiML(w, emptyTwiML)
}
