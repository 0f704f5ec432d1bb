package dialtone

import "fmt"

// StateMachine is a table of allowed transitions between the states of one kind of resource
// (calls, campaigns, leads, deliveries). Every change of state goes through Check, so an illegal
// transition is always an error and never a silent no-op.
type StateMachine[S comparable] struct {
	name  string
	edges map[S][]S
}

// NewStateMachine returns the machine named name (for error messages) allowing exactly the
// transitions in edges, from each key to each state of its value. A state that is not a key has
// no way out: it is terminal.
func NewStateMachine[S comparable](name string, edges map[S][]S) StateMachine[S] {
	return StateMachine[S]{name: name, edges: edges}
}

// Allowed reports whether the machine may go from one state to another. Staying in a state is
// not a transition and is not allowed.
func (m StateMachine[S]) Allowed(from, to S) bool {
	for _, s := range m.edges[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Terminal reports whether no transition leaves s.
func (m StateMachine[S]) Terminal(s S) bool { return len(m.edges[s]) == 0 }

// Check returns nil when the machine may go from one state to another, and a *TransitionError
// otherwise. Core turns that error into the catalogued conflict that fits the request (hanging
// up a call that already ended is call_already_ended, for example).
func (m StateMachine[S]) Check(from, to S) error {
	if m.Allowed(from, to) {
		return nil
	}
	return &TransitionError{Machine: m.name, From: fmt.Sprint(from), To: fmt.Sprint(to), Terminal: m.Terminal(from)}
}

// TransitionError is an illegal change of state. It is internal: core maps it to a catalogued
// conflict, and rendered as is it would be an internal_error.
type TransitionError struct {
	Machine  string
	From, To string
	Terminal bool // From is a terminal state
}

func (e *TransitionError) Error() string {
	if e.Terminal {
		return fmt.Sprintf("%s: %s is final; it cannot become %s", e.Machine, e.From, e.To)
	}
	return fmt.Sprintf("%s: %s cannot become %s", e.Machine, e.From, e.To)
}
