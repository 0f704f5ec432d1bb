package sandbox

import (
	"context"
	"errors"
	"time"

	"github.com/dialtonehq/dialtone"
)

// DeliveryDelay is how long the sandbox takes, before TimeScale, to report a sent message
// delivered (or undelivered).
const DeliveryDelay = time.Second

var _ dialtone.MessageCarrier = (*Carrier)(nil)

// MessageOutcome is what the sandbox does with a text to one number.
type MessageOutcome struct {
	// Refuse is the refusal of the send itself: a *dialtone.CarrierMessageError, or an error
	// that stands for the carrier failing; nil when the carrier takes the message.
	Refuse error
	// Status is the final status reported DeliveryDelay after a taken message: delivered or
	// undelivered (with ErrorCode).
	Status    dialtone.MessageStatus
	ErrorCode string
}

// MessageOutcomeFor returns what happens to a text sent to number, chosen by its last two
// digits (the table is in docs/sandbox.md): 20 refused by the carrier (carrier_rejected), 21
// undelivered (unreachable_handset), 22 undelivered (landline), 23 the carrier fails
// (carrier_error); every other ending is delivered.
func MessageOutcomeFor(number string) MessageOutcome {
	if len(number) >= 2 {
		switch number[len(number)-2:] {
		case "20":
			return MessageOutcome{Refuse: &dialtone.CarrierMessageError{Code: dialtone.MessageErrorCarrierRejected,
				Message: "The sandbox carrier filters every text to numbers ending in 20."}}
		case "21":
			return MessageOutcome{Status: dialtone.MessageUndelivered, ErrorCode: dialtone.MessageErrorUnreachable}
		case "22":
			return MessageOutcome{Status: dialtone.MessageUndelivered, ErrorCode: dialtone.MessageErrorLandline}
		case "23":
			return MessageOutcome{Refuse: errors.New("sandbox: the network fails every text to numbers ending in 23")}
		}
	}
	return MessageOutcome{Status: dialtone.MessageDelivered}
}

// SendSMS simulates sending msg: the outcome for msg.To (MessageOutcomeFor) either refuses it
// at once, or takes it (returning a carrier id, "SM" and the message id) and reports it
// delivered or undelivered to events DeliveryDelay (scaled) later, stamped with that time.
func (c *Carrier) SendSMS(ctx context.Context, msg dialtone.OutboundSMS, events dialtone.MessageEvents) (string, error) {
	o := MessageOutcomeFor(msg.To)
	if o.Refuse != nil {
		return "", o.Refuse
	}
	id := "SM" + msg.MessageID
	ctx = context.WithoutCancel(ctx)
	now := c.Now
	if now == nil {
		now = time.Now
	}
	at := now().Add(c.scaled(DeliveryDelay)) // the network's time of delivery, however late the report
	go func() {
		c.sleep(ctx, DeliveryDelay)
		events.MessageStatus(ctx, dialtone.MessageStatusReport{MessageID: msg.MessageID, Status: o.Status,
			ErrorCode: o.ErrorCode, CarrierMessageID: id, At: at})
	}()
	return id, nil
}
