package core

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dialtonehq/dialtone"
)

// How a message whose slot came waits for an earlier message of its number.
const (
	// turnPoll is the first wait of a message at the head of its number's line while the
	// database still holds an earlier queued message (its job is in another process, or not
	// fetched yet); the wait doubles up to turnPollMax.
	turnPoll    = 10 * time.Millisecond
	turnPollMax = 200 * time.Millisecond
	// turnWait bounds the whole wait: an earlier message stuck in a process that died (until
	// River rescues its job) is overtaken after it.
	turnWait = 5 * time.Second
)

// turn is one send job waiting in its number's line.
type turn struct {
	at   time.Time // the message's slot
	id   string
	wake chan struct{} // signalled when the turn before it leaves the line
}

// before orders turns as the database does in QueuedBefore: by slot, then by id.
func (t *turn) before(o *turn) bool {
	if c := t.at.Compare(o.at); c != 0 {
		return c < 0
	}
	return strings.Compare(t.id, o.id) < 0
}

// turns is this process's line of send jobs per number, so that only the first job of a
// number asks the database whether an earlier message is still queued; the others wait to be
// woken when the one before them leaves.
type turns struct {
	mu    sync.Mutex
	lines map[string][]*turn // by phone number id, in slot order
}

// join puts t in line for number and returns a function that takes it out again (idempotent),
// waking the turn after it.
func (l *turns) join(number string, t *turn) func() {
	l.mu.Lock()
	if l.lines == nil {
		l.lines = make(map[string][]*turn)
	}
	line := l.lines[number]
	i, _ := slices.BinarySearchFunc(line, t, func(a, b *turn) int {
		if a.before(b) {
			return -1
		}
		if b.before(a) {
			return 1
		}
		return 0
	})
	l.lines[number] = slices.Insert(line, i, t)
	l.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { l.leave(number, t) }) }
}

func (l *turns) leave(number string, t *turn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := l.lines[number]
	i := slices.Index(line, t)
	if i < 0 {
		return
	}
	line = slices.Delete(line, i, i+1)
	if len(line) == 0 {
		delete(l.lines, number)
		return
	}
	l.lines[number] = line
	if i == 0 {
		select {
		case line[0].wake <- struct{}{}:
		default:
		}
	}
}

// wakeAll wakes every turn in number's line, to read its message again.
func (l *turns) wakeAll(number string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, t := range l.lines[number] {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
}

// first reports whether t leads its number's line.
func (l *turns) first(number string, t *turn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := l.lines[number]
	return len(line) > 0 && line[0] == t
}

// awaitTurn waits until queued message m may leave, and returns it as it is then with a
// function that lets the next message of its number go (Deliver calls it once m is sent or
// failed, so that the carrier gets a number's messages one at a time; calling it again does
// nothing). m may leave when its slot has come (a slot moved
// while it waited is followed) and no message its number queued before it is still queued,
// so that a number's messages reach the carrier in the order they were sent: within this
// process the jobs of a number wait in line, and the first asks the database for earlier
// messages queued elsewhere, for at most turnWait. The first of a number's line that finds
// itself more than lateSend past its slot reslots the number first. A message no longer
// queued is returned as it is, for Deliver to leave alone.
func (s *Messages) awaitTurn(ctx context.Context, m dialtone.Message) (dialtone.Message, func(), error) {
	release := func() {}
	var t *turn
	var waitedSince time.Time
	poll := turnPoll
	for {
		fresh, err := s.store.GetMessage(ctx, m.OrganizationID, m.ID)
		if err != nil || fresh.Status != dialtone.MessageQueued || fresh.SendAt == nil {
			return fresh, release, ignoreTransition(err)
		}
		m = fresh
		if m.SendAt.After(s.now()) {
			// Out of the line while waiting for the slot: only messages that are due queue.
			release()
			release, t = func() {}, nil
			if err := s.sleep(ctx, *m.SendAt); err != nil {
				return m, release, err
			}
			continue // the slot may have moved meanwhile
		}
		if t == nil || !t.at.Equal(*m.SendAt) {
			release()
			t = &turn{at: *m.SendAt, id: m.ID, wake: make(chan struct{}, 1)}
			release = s.turns.join(m.PhoneNumberID, t)
			waitedSince = s.now()
		}
		if s.now().Sub(waitedSince) > turnWait {
			s.log.WarnContext(ctx, "message sent before an earlier one of its number that is still queued", "message_id", m.ID)
			return m, release, nil
		}
		if !s.turns.first(m.PhoneNumberID, t) {
			timer := time.NewTimer(turnWait)
			select {
			case <-t.wake:
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				return m, release, ctx.Err()
			}
			timer.Stop()
			continue
		}
		earlier, err := s.store.QueuedBefore(ctx, m.OrganizationID, m.PhoneNumberID, *m.SendAt, m.ID)
		if err != nil {
			return m, release, err
		}
		if !earlier {
			if s.now().Sub(*m.SendAt) <= lateSend {
				return m, release, nil
			}
			if err := s.reslot(ctx, m); err != nil {
				return m, release, err
			}
			s.turns.wakeAll(m.PhoneNumberID) // their slots moved: they look again
			continue                         // at its new slot: now
		}
		if err := s.sleep(ctx, s.now().Add(poll)); err != nil {
			return m, release, err
		}
		poll = min(2*poll, turnPollMax)
	}
}
