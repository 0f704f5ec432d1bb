// Package scripted is the offline, deterministic brain: rules written in the agent decide each
// reply (DESIGN §8). It is what tests, demos and IVR-like agents use.
package scripted

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// Reply is what the brain answers to one caller turn: words to say, and an action to take once
// they are said.
type Reply struct {
	Say        string
	Action     dialtone.BrainAction // "" for none
	Digits     string               // press_digits
	TransferTo string               // transfer: the rule's transfer_to or the agent's first transfer number
	Rule       int                  // index of the matching rule; -1 for the fallback
}

// Brain answers turns with an agent's rules. It is immutable and safe for concurrent use.
//
// It is a dialtone.Responder: a turn's text (and the keys pressed, written "pressed 1 2") is
// answered in one piece.
type Brain struct {
	rules     []rule
	fallback  string
	transfers []string
}

type rule struct {
	dialtone.ScriptRule
	words []string       // the phrase to find, for a words rule
	re    *regexp.Regexp // for a /regex/ rule
}

// New compiles the scripted brain of agent a. It fails only for settings that validation
// refuses (a regex that does not compile, a rule without words), which stored agents never
// have.
func New(a dialtone.Agent) (*Brain, error) {
	if a.Brain.Type != dialtone.BrainScripted {
		return nil, fmt.Errorf("scripted: agent %s has a %s brain", a.ID, a.Brain.Type)
	}
	b := &Brain{fallback: a.Brain.Fallback, transfers: a.TransferNumbers, rules: make([]rule, 0, len(a.Brain.Rules))}
	for i, r := range a.Brain.Rules {
		cr := rule{ScriptRule: r}
		if pattern, ok := r.Pattern(); ok {
			re, err := regexp.Compile(pattern)
			if err != nil {
				return nil, fmt.Errorf("scripted: rule %d: %w", i, err)
			}
			cr.re = re
		} else if cr.words = dialtone.ScriptWords(r.Match); len(cr.words) == 0 {
			return nil, fmt.Errorf("scripted: rule %d has no word to match", i)
		}
		b.rules = append(b.rules, cr)
	}
	return b, nil
}

// Answer returns the reply to what the caller said: the first rule that matches, else the
// fallback line (which may be empty: the agent then stays silent).
func (b *Brain) Answer(text string) Reply {
	words := dialtone.ScriptWords(text)
	for i, r := range b.rules {
		if r.matches(text, words) {
			reply := Reply{Say: r.Say, Action: r.Action, Digits: r.Digits, TransferTo: r.TransferTo, Rule: i}
			if r.Action == dialtone.ActionTransfer && reply.TransferTo == "" && len(b.transfers) > 0 {
				reply.TransferTo = b.transfers[0]
			}
			return reply
		}
	}
	return Reply{Say: b.fallback, Rule: -1}
}

// matches reports whether a turn (its text, and its words) matches the rule: the regex
// anywhere in the text, or the rule's words as a run of consecutive whole words.
func (r rule) matches(text string, words []string) bool {
	if r.re != nil {
		return r.re.MatchString(text)
	}
	for i := 0; i+len(r.words) <= len(words); i++ {
		if slices.Equal(words[i:i+len(r.words)], r.words) {
			return true
		}
	}
	return false
}

var _ dialtone.Responder = (*Brain)(nil)

// Reply answers turn with one piece: the matching rule's words and action, or the fallback.
// Keys the caller pressed are matched as the words "pressed" and the digits, so a rule
// "pressed 1" catches a caller who pressed 1.
func (b *Brain) Reply(_ context.Context, turn dialtone.BrainTurn, emit func(dialtone.BrainOutput) error) error {
	text := turn.Text
	if turn.Digits != "" {
		text = strings.TrimSpace(text + " pressed " + strings.Join(strings.Split(turn.Digits, ""), " "))
	}
	r := b.Answer(text)
	if r.Say == "" && r.Action == "" {
		return nil
	}
	return emit(dialtone.BrainOutput{Text: r.Say, Action: r.Action, Digits: r.Digits, TransferTo: r.TransferTo})
}
