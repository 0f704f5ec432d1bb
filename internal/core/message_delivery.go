package core

import (
	"context"
	"errors"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Deliver runs the send job of a message: it waits for the message's turn (awaitTurn), then
// hands it to its number's carrier, recording sending and then sent (charged) or failed. A
// message that is no longer queued is left alone, so a job that runs again never sends twice;
// one found "sending" was being handed over when its process died, and fails with
// carrier_error rather than risk a second copy. A recipient who opted out meanwhile is not
// messaged, and a prepaid organization whose balance no longer covers the message does not
// send it (the answers to STOP, START and HELP aside: carriers require them). It returns an
// error only when the database fails (the job is then retried).
func (s *Messages) Deliver(ctx context.Context, job MessageSendJob) error {
	m, err := s.store.GetMessage(ctx, job.OrganizationID, job.MessageID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	switch m.Status {
	case dialtone.MessageQueued:
	case dialtone.MessageSending:
		return s.fail(ctx, m.ID, dialtone.MessageErrorCarrier, "The server stopped while handing the message to the carrier; it was not sent again, to avoid a duplicate.")
	default:
		return nil
	}
	m, release, err := s.awaitTurn(ctx, m)
	defer release()
	if err != nil || m.Status != dialtone.MessageQueued {
		return err
	}
	if m.Source != dialtone.MessageFromKeyword {
		out, err := s.store.OptedOut(ctx, m.OrganizationID, m.ToNumber)
		if err != nil {
			return err
		}
		if out {
			return s.fail(ctx, m.ID, dialtone.MessageErrorUnsubscribed, m.ToNumber+" opted out after the message was queued.")
		}
	}
	if m.Source != dialtone.MessageFromKeyword {
		if err := s.checkBalance(ctx, m.OrganizationID, m); err != nil {
			var de *dialtone.Error
			if errors.As(err, &de) && de.Code == dialtone.CodeInsufficientBalance {
				return s.fail(ctx, m.ID, dialtone.MessageErrorNoBalance, de.Message)
			}
			return err
		}
	}
	n, err := s.store.GetPhoneNumber(ctx, m.OrganizationID, m.PhoneNumberID)
	if errors.Is(err, ErrNotFound) {
		return s.fail(ctx, m.ID, dialtone.MessageErrorNumberReleased, m.FromNumber+" was released before the message was sent.")
	} else if err != nil {
		return err
	}
	account, err := numberAccount(ctx, s.store, s.secrets, n)
	if err != nil {
		return s.fail(ctx, m.ID, dialtone.MessageErrorCarrier, "The number's carrier account could not be opened.")
	}
	carrier := s.carriers[m.Carrier]
	if carrier == nil {
		return s.fail(ctx, m.ID, dialtone.MessageErrorCarrier, "This server has no "+m.Carrier+" carrier to send the message with.")
	}
	// The number's next message waits (release, deferred) until this one is sent or failed:
	// the carrier gets a number's messages one at a time, in order.
	if _, err := s.transition(ctx, m.ID, dialtone.MessageSending, nil); err != nil {
		return ignoreTransition(err)
	}
	carrierID, err := carrier.SendSMS(context.WithoutCancel(ctx), dialtone.OutboundSMS{MessageID: m.ID, From: m.FromNumber, To: m.ToNumber, Body: m.Body, Account: account}, s)
	if err != nil {
		code, msg := dialtone.MessageErrorCarrier, "The carrier could not take the message: "+err.Error()
		var ce *dialtone.CarrierMessageError
		if errors.As(err, &ce) {
			code, msg = ce.Code, ce.Message
		}
		return s.fail(ctx, m.ID, code, msg)
	}
	_, err = s.transition(ctx, m.ID, dialtone.MessageSent, func(m *dialtone.Message) { m.CarrierMessageID = &carrierID })
	return ignoreTransition(err)
}

// lateSend is how late the first queued message of a number may leave before its number is
// reslotted: later than that, the server was down (or far behind), and the messages queued
// after it would otherwise all leave at once.
const lateSend = 2 * time.Second

// reslot gives every queued message of m's number new slots from now on, at the number's pace
// and in the order they were queued, when some are overdue (unless another send job of the
// number did it already). Without it the messages a stopped server left overdue would all
// leave at once when it starts again, over the carrier's rate; moving the ones not yet due
// too keeps them behind the overdue ones.
func (s *Messages) reslot(ctx context.Context, m dialtone.Message) error {
	now := s.now()
	_, err := s.store.ReslotMessages(ctx, m.OrganizationID, m.PhoneNumberID, now.Add(-lateSend),
		func(n dialtone.PhoneNumber, _ time.Time, count int) ([]time.Time, time.Time) {
			interval := sendInterval(n.MessagesPerSecond)
			slot := now // every queued message moves: the number's old next slot is behind them
			slots := make([]time.Time, count)
			for i := range slots {
				slots[i] = slot
				slot = slot.Add(interval)
			}
			return slots, slot
		})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// MessageStatus records what a carrier reports about a message it sent: delivered,
// undelivered or failed (with an error code), or sent when the carrier tells of it first. A
// report that the message's state machine does not allow (a late or repeated report) changes
// nothing.
func (s *Messages) MessageStatus(ctx context.Context, r dialtone.MessageStatusReport) {
	apply := func(m *dialtone.Message) {
		if r.ErrorCode != "" {
			m.ErrorCode, m.ErrorMessage = &r.ErrorCode, ptr(messageErrorText(r.ErrorCode))
		}
		if r.CarrierMessageID != "" && m.CarrierMessageID == nil {
			m.CarrierMessageID = &r.CarrierMessageID
		}
		if !r.At.IsZero() && m.SentAt != nil {
			// The carrier's time, never before the message was sent (clocks differ).
			at := r.At.UTC().Truncate(time.Microsecond)
			if at.Before(*m.SentAt) {
				at = *m.SentAt
			}
			switch {
			case m.DeliveredAt != nil:
				m.DeliveredAt = &at
			case m.FailedAt != nil:
				m.FailedAt = &at
			}
		}
	}
	if _, err := s.transition(ctx, r.MessageID, r.Status, apply); err != nil && ignoreTransition(err) != nil {
		s.log.ErrorContext(ctx, "record message status", "message_id", r.MessageID, "status", r.Status, "error", err)
	}
}

// messageErrorText says in words what a carrier's error code means.
func messageErrorText(code string) string {
	switch code {
	case dialtone.MessageErrorCarrierRejected:
		return "The carrier refused the message (filtered as unwanted)."
	case dialtone.MessageErrorUnreachable:
		return "The handset was off or out of coverage until the carrier gave up."
	case dialtone.MessageErrorLandline:
		return "The number cannot receive text messages (a landline)."
	case dialtone.MessageErrorUnsubscribed:
		return "The recipient opted out of your organization's messages."
	}
	return "The carrier could not deliver the message."
}

// fail moves message id to failed with code and msg.
func (s *Messages) fail(ctx context.Context, id, code, msg string) error {
	_, err := s.transition(ctx, id, dialtone.MessageFailed, func(m *dialtone.Message) {
		m.ErrorCode, m.ErrorMessage = &code, &msg
	})
	return ignoreTransition(err)
}

// transition moves message id to status to through the message state machine, lets apply
// (when not nil) change it too, stamps the time of the status and stores it with its event
// and, entering sent, its charge. A carrier's report of delivered or undelivered that
// overtakes the sent of its own send (the carrier answered, and reported, before the sent was
// stored) passes through sent first. An illegal transition is a *dialtone.TransitionError.
func (s *Messages) transition(ctx context.Context, id string, to dialtone.MessageStatus, apply func(*dialtone.Message)) (dialtone.Message, error) {
	return s.store.UpdateMessage(ctx, id, func(m *dialtone.Message) (Effects, error) {
		steps := []dialtone.MessageStatus{to}
		if m.Status == dialtone.MessageSending && (to == dialtone.MessageDelivered || to == dialtone.MessageUndelivered) {
			steps = []dialtone.MessageStatus{dialtone.MessageSent, to}
		}
		var fx Effects
		now := s.now()
		for _, st := range steps {
			if err := dialtone.MessageStates().Check(m.Status, st); err != nil {
				return Effects{}, err
			}
			m.Status, m.UpdatedAt = st, now
			switch st {
			case dialtone.MessageSent:
				m.SentAt = &now
				m.Cost = dialtone.USD(s.cost(*m))
				fx.Charge = s.charge(*m, now)
			case dialtone.MessageDelivered:
				m.DeliveredAt = &now
			case dialtone.MessageFailed, dialtone.MessageUndelivered:
				m.FailedAt = &now
			}
			if st == to && apply != nil {
				apply(m)
			}
			if ev := messageEvent(*m, now); ev.Type != "" {
				fx.Events = append(fx.Events, ev)
			}
		}
		return fx, nil
	})
}

// ignoreTransition drops an illegal transition (someone else moved the message on first) and
// a message that is gone; other errors pass through.
func ignoreTransition(err error) error {
	var te *dialtone.TransitionError
	if errors.As(err, &te) || errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

func ptr[T any](v T) *T { return &v }

// sendTimeout bounds one send job: its wait for the slot (at most sendLead plus River's
// scheduling delay) and the carrier's answer.
const sendTimeout = sendLead + 20*time.Second

// MessageSendTimeout is how long a send job may run.
func MessageSendTimeout() time.Duration { return sendTimeout }
