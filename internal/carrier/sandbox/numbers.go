// Package sandbox is Dialtone's built-in carrier: a simulated telephone network inside the
// process, so that numbers and calls work offline, in tests, demos and a developer's first hour.
//
// Its numbers are fictional North American numbers, +1 NPA 555 01XX: the 555-0100 to 555-0199
// block is reserved for fiction in every area code, so no real telephone is ever reached.
package sandbox

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Carrier is the sandbox carrier. Its zero value is ready to use, at real-time speed. It keeps
// no state about numbers (the store's uniqueness of live numbers decides which are taken),
// only the calls it is simulating.
type Carrier struct {
	// TimeScale multiplies every timed delay of a simulated call (dialling, ringing, the ring
	// timeout, the hang-up of numbers ending in 14); 0 means 1. Tests set a small scale to run
	// call scenarios fast. The audio of an answered call is not timed: it runs in lockstep with
	// the agent's frames (see Leg).
	TimeScale float64
	// Now is the network's clock, which stamps its delivery reports; nil is time.Now.
	Now func() time.Time

	// lockstep makes every leg wait, after each agent frame, until a test has seen it was
	// handled (Leg.stepped).
	lockstep bool

	mu    sync.Mutex
	calls map[string]*simCall // calls being simulated, by call id
	ended endedLegs           // the legs of calls that ended, for Heard, Said and Transfers
}

var (
	_ dialtone.Carrier        = (*Carrier)(nil)
	_ dialtone.CallSimulator  = (*Carrier)(nil)
	_ dialtone.CallTransferer = (*Carrier)(nil)
)

// areaCodes are the area codes the sandbox offers numbers in, by country.
func areaCodes(country string) []string {
	switch country {
	case "US":
		return []string{"201", "202", "206", "212", "213", "303", "305", "312", "404", "415", "503",
			"512", "602", "617", "646", "702", "713", "718", "773", "801", "818", "917"}
	case "CA":
		return []string{"204", "250", "403", "416", "438", "514", "604", "613", "647", "778", "902"}
	}
	return nil
}

// Name returns "sandbox".
func (*Carrier) Name() string { return "sandbox" }

// Candidates returns the fictional numbers of req's area code (all 100, shuffled) or, without
// one, of every area code of req's country (shuffled). Countries other than US and CA, and area
// codes the sandbox does not serve, have none.
func (*Carrier) Candidates(_ context.Context, req dialtone.NumberRequest) ([]string, error) {
	codes := areaCodes(req.Country)
	if req.AreaCode != "" {
		if !slices.Contains(codes, req.AreaCode) {
			return nil, nil
		}
		codes = []string{req.AreaCode}
	}
	out := make([]string, 0, 100*len(codes))
	for _, npa := range codes {
		for line := range 100 {
			out = append(out, fmt.Sprintf("+1%s55501%02d", npa, line))
		}
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

// Provision takes a number; sandbox numbers carry voice and SMS.
func (*Carrier) Provision(context.Context, string) (dialtone.PhoneNumberCapabilities, error) {
	return dialtone.PhoneNumberCapabilities{Voice: true, SMS: true}, nil
}

// Release gives a number back; the sandbox has nothing to undo.
func (*Carrier) Release(context.Context, string) error { return nil }
