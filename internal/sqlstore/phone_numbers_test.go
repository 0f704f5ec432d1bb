package sqlstore_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// numberSeq makes the E.164 numbers of newNumberValues distinct across a test binary.
var numberSeq atomic.Int64

func newNumber() string { return fmt.Sprintf("+1415555%04d", numberSeq.Add(1)%10000) }

// newNumberValues returns a new number attached to agentID (nil: to none).
func newNumberValues(number string, agentID *string) dialtone.PhoneNumber {
	return dialtone.PhoneNumber{
		ID:              dialtone.NewID(dialtone.PrefixPhoneNumber),
		Object:          "phone_number",
		Number:          number,
		Carrier:         dialtone.DefaultPhoneNumberCarrier,
		Source:          dialtone.PhoneNumberSourceProvisioned,
		Country:         dialtone.DefaultPhoneNumberCountry,
		FriendlyName:    "Main line " + number,
		AgentID:         agentID,
		InboundEnabled:  true,
		OutboundEnabled: false,
		CustomPrompt:    "Mention the spring sale.",
		Capabilities:    dialtone.PhoneNumberCapabilities{Voice: true, SMS: false},
		CreatedAt:       baseTime(),
		UpdatedAt:       baseTime().Add(time.Second),
	}
}

// storedNumber is n as the store returns it.
func storedNumber(n dialtone.PhoneNumber) dialtone.PhoneNumber {
	n.Object = "phone_number"
	n.CreatedAt, n.UpdatedAt = stored(n.CreatedAt), stored(n.UpdatedAt)
	return n
}

// insertNumber stores a new number of orgID attached to agentID, with a generous limit.
func insertNumber(t *testing.T, st *sqlstore.Store, orgID string, agentID *string) dialtone.PhoneNumber {
	t.Helper()
	n := newNumberValues(newNumber(), agentID)
	if err := st.InsertPhoneNumber(t.Context(), orgID, n, 100, nil); err != nil {
		t.Fatalf("InsertPhoneNumber: %v", err)
	}
	return storedNumber(n)
}

func numberIDs(ns []dialtone.PhoneNumber) []string {
	ids := make([]string, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	return ids
}

// countNumberRows counts every row (released ones too) of orgID in phone_numbers.
func countNumberRows(t *testing.T, st *sqlstore.Store, cond string, args ...any) int {
	t.Helper()
	var n int
	if err := sqlstore.WriterDB(st).QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM phone_numbers WHERE `+cond, args...).Scan(&n); err != nil {
		t.Fatalf("count phone_numbers rows: %v", err)
	}
	return n
}

func TestPhoneNumberRoundTrip(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		agent := insertAgent(t, st, org.ID, "Reception")
		attached := insertNumber(t, st, org.ID, &agent.ID)
		free := insertNumber(t, st, org.ID, nil)
		for _, want := range []dialtone.PhoneNumber{attached, free} {
			got, err := st.GetPhoneNumber(t.Context(), org.ID, want.ID)
			if err != nil {
				t.Fatalf("GetPhoneNumber: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("GetPhoneNumber =\n %+v\nwant\n %+v", got, want)
			}
			if got.CreatedAt.Location() != time.UTC {
				t.Errorf("created_at in %v, want UTC", got.CreatedAt.Location())
			}
		}
		if n := countNumberRows(t, st, "id = $1 AND agent_id IS NULL", free.ID); n != 1 {
			t.Errorf("a nil AgentID is not stored as NULL")
		}
		if _, err := st.GetPhoneNumber(t.Context(), org.ID, dialtone.NewID(dialtone.PrefixPhoneNumber)); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("unknown number: err = %v, want ErrNotFound", err)
		}
	})
}

func TestListPhoneNumbersNewestFirstAndFilter(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		sales := insertAgent(t, st, org.ID, "Sales")
		support := insertAgent(t, st, org.ID, "Support")
		a := insertNumber(t, st, org.ID, &sales.ID)
		b := insertNumber(t, st, org.ID, &support.ID)
		c := insertNumber(t, st, org.ID, &sales.ID)
		d := insertNumber(t, st, org.ID, nil)
		insertNumber(t, st, other.ID, nil)

		got, more, err := st.ListPhoneNumbers(t.Context(), org.ID, dialtone.PhoneNumberFilter{}, dialtone.ListParams{})
		if err != nil {
			t.Fatalf("ListPhoneNumbers: %v", err)
		}
		if want := []string{d.ID, c.ID, b.ID, a.ID}; !slices.Equal(numberIDs(got), want) || more {
			t.Errorf("ListPhoneNumbers = %v, %v; want %v, false", numberIDs(got), more, want)
		}
		if !reflect.DeepEqual(got[3], a) || !reflect.DeepEqual(got[0], d) {
			t.Errorf("listed numbers =\n %+v\n %+v\nwant\n %+v\n %+v", got[3], got[0], a, d)
		}
		bySales, _, err := st.ListPhoneNumbers(t.Context(), org.ID, dialtone.PhoneNumberFilter{AgentID: sales.ID}, dialtone.ListParams{})
		if err != nil {
			t.Fatalf("ListPhoneNumbers agent=sales: %v", err)
		}
		if want := []string{c.ID, a.ID}; !slices.Equal(numberIDs(bySales), want) {
			t.Errorf("ListPhoneNumbers agent=sales = %v, want %v", numberIDs(bySales), want)
		}
		// A cursor need not match the filter, only name a live number of the organization.
		after, more, err := st.ListPhoneNumbers(t.Context(), org.ID, dialtone.PhoneNumberFilter{AgentID: sales.ID},
			dialtone.ListParams{StartingAfter: b.ID})
		if err != nil || !slices.Equal(numberIDs(after), []string{a.ID}) || more {
			t.Errorf("ListPhoneNumbers agent=sales after %s = %v, %v, %v; want [%s]", b.ID, numberIDs(after), more, err, a.ID)
		}
		none, more, err := st.ListPhoneNumbers(t.Context(), org.ID,
			dialtone.PhoneNumberFilter{AgentID: dialtone.NewID(dialtone.PrefixAgent)}, dialtone.ListParams{})
		if err != nil || none == nil || len(none) != 0 || more {
			t.Errorf("ListPhoneNumbers of an unknown agent = %#v, %v, %v; want an empty non-nil slice", none, more, err)
		}
	})
}

func TestListPhoneNumbersPagination(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		var ids []string // oldest first: ids[4] is the newest
		for range 5 {
			ids = append(ids, insertNumber(t, st, org.ID, nil).ID)
		}
		for _, tc := range []struct {
			name     string
			lp       dialtone.ListParams
			want     []string
			wantMore bool
		}{
			{"first page", dialtone.ListParams{Limit: 2}, []string{ids[4], ids[3]}, true},
			{"second page", dialtone.ListParams{Limit: 2, StartingAfter: ids[3]}, []string{ids[2], ids[1]}, true},
			{"last page", dialtone.ListParams{Limit: 2, StartingAfter: ids[1]}, []string{ids[0]}, false},
			{"after the oldest", dialtone.ListParams{Limit: 2, StartingAfter: ids[0]}, []string{}, false},
			{"back from the oldest", dialtone.ListParams{Limit: 2, EndingBefore: ids[0]}, []string{ids[2], ids[1]}, true},
			{"back to the start", dialtone.ListParams{Limit: 2, EndingBefore: ids[2]}, []string{ids[4], ids[3]}, false},
			{"before the newest", dialtone.ListParams{Limit: 2, EndingBefore: ids[4]}, []string{}, false},
			{"default limit", dialtone.ListParams{}, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}, false},
		} {
			got, more, err := st.ListPhoneNumbers(t.Context(), org.ID, dialtone.PhoneNumberFilter{}, tc.lp)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if !slices.Equal(numberIDs(got), tc.want) || more != tc.wantMore {
				t.Errorf("%s: got %v, has_more %v; want %v, %v", tc.name, numberIDs(got), more, tc.want, tc.wantMore)
			}
		}
	})
}

func TestListPhoneNumbersBadCursor(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		live := insertNumber(t, st, org.ID, nil)
		released := insertNumber(t, st, org.ID, nil)
		if _, err := st.ReleasePhoneNumber(t.Context(), org.ID, released.ID, baseTime(), nil); err != nil {
			t.Fatalf("ReleasePhoneNumber: %v", err)
		}
		foreign := insertNumber(t, st, other.ID, nil)
		for name, lp := range map[string]dialtone.ListParams{
			"unknown starting_after": {StartingAfter: dialtone.NewID(dialtone.PrefixPhoneNumber)},
			"unknown ending_before":  {EndingBefore: dialtone.NewID(dialtone.PrefixPhoneNumber)},
			"other organization's":   {StartingAfter: foreign.ID},
			"released number":        {StartingAfter: released.ID},
			"released number eb":     {EndingBefore: released.ID},
			"both cursors":           {StartingAfter: live.ID, EndingBefore: live.ID},
		} {
			if _, _, err := st.ListPhoneNumbers(t.Context(), org.ID, dialtone.PhoneNumberFilter{}, lp); !errors.Is(err, core.ErrBadCursor) {
				t.Errorf("%s: err = %v, want ErrBadCursor", name, err)
			}
		}
	})
}

func TestInsertPhoneNumberLimit(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		const limit = 3
		var held []dialtone.PhoneNumber
		for range limit {
			n := newNumberValues(newNumber(), nil)
			if err := st.InsertPhoneNumber(t.Context(), org.ID, n, limit, nil); err != nil {
				t.Fatalf("InsertPhoneNumber under the limit: %v", err)
			}
			held = append(held, n)
		}
		over := newNumberValues(newNumber(), nil)
		if err := st.InsertPhoneNumber(t.Context(), org.ID, over, limit, nil); err != core.ErrLimit {
			t.Errorf("InsertPhoneNumber over the limit: err = %v, want ErrLimit itself", err)
		}
		if n := countNumberRows(t, st, "organization_id = $1", org.ID); n != limit {
			t.Errorf("%d rows after an insert over the limit, want %d", n, limit)
		}
		if n := countNumberRows(t, st, "number = $1", over.Number); n != 0 {
			t.Errorf("the number over the limit was stored")
		}
		// The limit counts live numbers only.
		if _, err := st.ReleasePhoneNumber(t.Context(), org.ID, held[0].ID, baseTime(), nil); err != nil {
			t.Fatalf("ReleasePhoneNumber: %v", err)
		}
		if err := st.InsertPhoneNumber(t.Context(), org.ID, over, limit, nil); err != nil {
			t.Errorf("InsertPhoneNumber after a release: %v", err)
		}
		// Another organization has its own count; a limit of 0 admits nothing.
		other, _ := createOrg(t, st, "Other")
		if err := st.InsertPhoneNumber(t.Context(), other.ID, newNumberValues(newNumber(), nil), limit, nil); err != nil {
			t.Errorf("InsertPhoneNumber in another organization: %v", err)
		}
		if err := st.InsertPhoneNumber(t.Context(), other.ID, newNumberValues(newNumber(), nil), 0, nil); !errors.Is(err, core.ErrLimit) {
			t.Errorf("InsertPhoneNumber with limit 0: err = %v, want ErrLimit", err)
		}
	})
}

func TestInsertPhoneNumberTaken(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		a, _ := createOrg(t, st, "A")
		b, _ := createOrg(t, st, "B")
		held := insertNumber(t, st, a.ID, nil)

		dup := newNumberValues(held.Number, nil)
		if err := st.InsertPhoneNumber(t.Context(), b.ID, dup, 10, nil); err != core.ErrTaken {
			t.Errorf("B inserts A's live number: err = %v, want ErrTaken itself", err)
		}
		if err := st.InsertPhoneNumber(t.Context(), a.ID, dup, 10, nil); err != core.ErrTaken {
			t.Errorf("A inserts its own live number again: err = %v, want ErrTaken itself", err)
		}
		if n := countNumberRows(t, st, "number = $1", held.Number); n != 1 {
			t.Errorf("%d rows hold %s after the refused inserts, want 1", n, held.Number)
		}

		// Once released, the number can be taken again, by anyone; the old row stays.
		if _, err := st.ReleasePhoneNumber(t.Context(), a.ID, held.ID, baseTime(), nil); err != nil {
			t.Fatalf("ReleasePhoneNumber: %v", err)
		}
		if err := st.InsertPhoneNumber(t.Context(), b.ID, dup, 10, nil); err != nil {
			t.Fatalf("B inserts the released number: %v", err)
		}
		if got, err := st.GetPhoneNumber(t.Context(), b.ID, dup.ID); err != nil || !reflect.DeepEqual(got, storedNumber(dup)) {
			t.Errorf("GetPhoneNumber of the number taken again = %+v, %v; want %+v", got, err, storedNumber(dup))
		}
		if n := countNumberRows(t, st, "number = $1", held.Number); n != 2 {
			t.Errorf("%d rows hold %s, want 2 (the released one and the new one)", n, held.Number)
		}
		again := newNumberValues(held.Number, nil)
		if err := st.InsertPhoneNumber(t.Context(), a.ID, again, 10, nil); !errors.Is(err, core.ErrTaken) {
			t.Errorf("A takes the number back while B holds it: err = %v, want ErrTaken", err)
		}
	})
}

// TestInsertPhoneNumberTakenConcurrently races organizations for one number: the pre-check
// cannot see an uncommitted insert of another organization on PostgreSQL, so the unique index
// must decide, and its violation must read as ErrTaken.
func TestInsertPhoneNumberTakenConcurrently(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		const n = 8
		orgs := make([]string, n)
		for i := range orgs {
			org, _ := createOrg(t, st, "Org "+strconv.Itoa(i))
			orgs[i] = org.ID
		}
		number := newNumber()
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i, org := range orgs {
			wg.Go(func() { errs[i] = st.InsertPhoneNumber(t.Context(), org, newNumberValues(number, nil), 10, nil) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, core.ErrTaken):
				t.Errorf("InsertPhoneNumber: err = %v, want nil or ErrTaken", err)
			}
		}
		if won != 1 {
			t.Errorf("%d organizations took %s, want exactly 1", won, number)
		}
		if rows := countNumberRows(t, st, "number = $1", number); rows != 1 {
			t.Errorf("%d rows hold %s, want 1", rows, number)
		}
	})
}

// TestIsNumberTaken checks the fallback that maps a unique violation to ErrTaken against the
// errors both drivers really return.
func TestIsNumberTaken(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		held := insertNumber(t, st, org.ID, nil)
		insert := func(id, number string) error {
			_, err := sqlstore.WriterDB(st).ExecContext(t.Context(),
				`INSERT INTO phone_numbers (id, organization_id, number, carrier, source, country, friendly_name,
				 inbound_enabled, outbound_enabled, custom_prompt, cap_voice, cap_sms, created_at, updated_at)
				 VALUES ($1, $2, $3, 'sandbox', 'provisioned', 'US', '', $4, $4, '', $4, $4, $5, $5)`,
				id, org.ID, number, true, baseTime().UTC())
			return err
		}
		err := insert(dialtone.NewID(dialtone.PrefixPhoneNumber), held.Number)
		if err == nil || !sqlstore.IsNumberTaken(err) {
			t.Errorf("a second live row for %s: err = %v, want one IsNumberTaken recognises", held.Number, err)
		}
		err = insert(held.ID, newNumber())
		if err == nil || sqlstore.IsNumberTaken(err) {
			t.Errorf("a second row with id %s: err = %v, want a unique violation IsNumberTaken rejects", held.ID, err)
		}
		if sqlstore.IsNumberTaken(nil) || sqlstore.IsNumberTaken(errors.New("boom")) {
			t.Error("IsNumberTaken accepts an error that is no unique violation")
		}
	})
}

func TestInsertPhoneNumberAgentMustBeLive(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		deleted := insertAgent(t, st, org.ID, "Deleted")
		if err := st.DeleteAgent(t.Context(), org.ID, deleted.ID, baseTime()); err != nil {
			t.Fatalf("DeleteAgent: %v", err)
		}
		foreign := insertAgent(t, st, other.ID, "Foreign")
		for name, agentID := range map[string]string{
			"unknown agent":        dialtone.NewID(dialtone.PrefixAgent),
			"deleted agent":        deleted.ID,
			"other organization's": foreign.ID,
		} {
			err := st.InsertPhoneNumber(t.Context(), org.ID, newNumberValues(newNumber(), &agentID), 10, nil)
			if err == nil || errors.Is(err, core.ErrNotFound) || errors.Is(err, core.ErrTaken) || errors.Is(err, core.ErrLimit) {
				t.Errorf("%s: err = %v, want an error that is none of the sentinels", name, err)
			}
		}
		if n := countNumberRows(t, st, "organization_id = $1", org.ID); n != 0 {
			t.Errorf("%d numbers stored, want none", n)
		}
	})
}

func TestUpdatePhoneNumber(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		first := insertAgent(t, st, org.ID, "First")
		second := insertAgent(t, st, org.ID, "Second")
		orig := insertNumber(t, st, org.ID, &first.ID)
		later := baseTime().Add(time.Minute)

		got, err := st.UpdatePhoneNumber(t.Context(), org.ID, orig.ID, func(n *dialtone.PhoneNumber) error {
			if !reflect.DeepEqual(*n, orig) {
				t.Errorf("mutate got %+v, want %+v", *n, orig)
			}
			n.AgentID = &second.ID
			n.InboundEnabled = false
			n.OutboundEnabled = true
			n.CustomPrompt = "Be brief."
			n.FriendlyName = "Sales line"
			n.UpdatedAt = later
			// Ignored:
			n.ID = "num_changed"
			n.Number = "+15005550006"
			n.Carrier = "twilio"
			n.Source = dialtone.PhoneNumberSourceImported
			n.Country = "GB"
			n.Capabilities = dialtone.PhoneNumberCapabilities{Voice: false, SMS: true}
			n.CreatedAt = later
			return nil
		})
		if err != nil {
			t.Fatalf("UpdatePhoneNumber: %v", err)
		}
		want := orig
		want.AgentID = &second.ID
		want.InboundEnabled = false
		want.OutboundEnabled = true
		want.CustomPrompt = "Be brief."
		want.FriendlyName = "Sales line"
		want.UpdatedAt = stored(later)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("UpdatePhoneNumber =\n %+v\nwant\n %+v", got, want)
		}
		if read, err := st.GetPhoneNumber(t.Context(), org.ID, orig.ID); err != nil || !reflect.DeepEqual(read, want) {
			t.Errorf("GetPhoneNumber after update = %+v, %v; want %+v", read, err, want)
		}

		// An error from mutate is returned as is and changes nothing.
		errStop := errors.New("stop")
		_, err = st.UpdatePhoneNumber(t.Context(), org.ID, orig.ID, func(n *dialtone.PhoneNumber) error {
			n.AgentID = nil
			n.FriendlyName = "Should not be stored"
			return errStop
		})
		if err != errStop {
			t.Errorf("UpdatePhoneNumber with a failing mutate: err = %v, want errStop itself", err)
		}
		if read, err := st.GetPhoneNumber(t.Context(), org.ID, orig.ID); err != nil || !reflect.DeepEqual(read, want) {
			t.Errorf("GetPhoneNumber after an aborted update = %+v, %v; want %+v", read, err, want)
		}

		// Attaching to an agent that is not live fails and changes nothing.
		gone := insertAgent(t, st, org.ID, "Gone")
		if err := st.DeleteAgent(t.Context(), org.ID, gone.ID, baseTime()); err != nil {
			t.Fatalf("DeleteAgent: %v", err)
		}
		_, err = st.UpdatePhoneNumber(t.Context(), org.ID, orig.ID, func(n *dialtone.PhoneNumber) error {
			n.AgentID = &gone.ID
			n.FriendlyName = "Should not be stored"
			return nil
		})
		if err == nil || errors.Is(err, core.ErrNotFound) {
			t.Errorf("attaching a deleted agent: err = %v, want an error other than ErrNotFound", err)
		}
		if read, err := st.GetPhoneNumber(t.Context(), org.ID, orig.ID); err != nil || !reflect.DeepEqual(read, want) {
			t.Errorf("GetPhoneNumber after a refused attach = %+v, %v; want %+v", read, err, want)
		}

		// A nil AgentID detaches, stored as NULL.
		detached, err := st.UpdatePhoneNumber(t.Context(), org.ID, orig.ID, func(n *dialtone.PhoneNumber) error {
			n.AgentID = nil
			return nil
		})
		if err != nil || detached.AgentID != nil {
			t.Errorf("detaching: %+v, %v; want AgentID nil", detached, err)
		}
		if n := countNumberRows(t, st, "id = $1 AND agent_id IS NULL", orig.ID); n != 1 {
			t.Error("a detached number's agent_id is not NULL")
		}

		called := false
		_, err = st.UpdatePhoneNumber(t.Context(), org.ID, dialtone.NewID(dialtone.PrefixPhoneNumber), func(*dialtone.PhoneNumber) error {
			called = true
			return nil
		})
		if !errors.Is(err, core.ErrNotFound) || called {
			t.Errorf("updating an unknown number: err = %v, mutate called %v; want ErrNotFound, false", err, called)
		}
	})
}

func TestUpdatePhoneNumberSerialisesConcurrentUpdates(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		num := insertNumber(t, st, org.ID, nil)
		const n = 10
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := st.UpdatePhoneNumber(t.Context(), org.ID, num.ID, func(p *dialtone.PhoneNumber) error {
					p.CustomPrompt += "x"
					return nil
				})
				if err != nil {
					t.Errorf("UpdatePhoneNumber: %v", err)
				}
			})
		}
		wg.Wait()
		got, err := st.GetPhoneNumber(t.Context(), org.ID, num.ID)
		if err != nil {
			t.Fatalf("GetPhoneNumber: %v", err)
		}
		if want := num.CustomPrompt + "xxxxxxxxxx"; got.CustomPrompt != want {
			t.Errorf("custom_prompt after %d concurrent appends = %q, want %q; updates were lost", n, got.CustomPrompt, want)
		}
	})
}

func TestReleasePhoneNumber(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		agent := insertAgent(t, st, org.ID, "Reception")
		keep := insertNumber(t, st, org.ID, nil)
		gone := insertNumber(t, st, org.ID, &agent.ID)
		at := baseTime().Add(time.Hour)

		got, err := st.ReleasePhoneNumber(t.Context(), org.ID, gone.ID, at, nil)
		if err != nil {
			t.Fatalf("ReleasePhoneNumber: %v", err)
		}
		want := gone
		want.AgentID = nil
		want.UpdatedAt = stored(at)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ReleasePhoneNumber =\n %+v\nwant\n %+v", got, want)
		}
		if _, err := st.GetPhoneNumber(t.Context(), org.ID, gone.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("GetPhoneNumber of a released number: err = %v, want ErrNotFound", err)
		}
		list, _, err := st.ListPhoneNumbers(t.Context(), org.ID, dialtone.PhoneNumberFilter{}, dialtone.ListParams{})
		if err != nil || !slices.Equal(numberIDs(list), []string{keep.ID}) {
			t.Errorf("ListPhoneNumbers after release = %v, %v; want [%s]", numberIDs(list), err, keep.ID)
		}
		byAgent, _, err := st.ListPhoneNumbers(t.Context(), org.ID, dialtone.PhoneNumberFilter{AgentID: agent.ID}, dialtone.ListParams{})
		if err != nil || len(byAgent) != 0 {
			t.Errorf("ListPhoneNumbers of the agent after release = %v, %v; want none", numberIDs(byAgent), err)
		}
		if _, err := st.ReleasePhoneNumber(t.Context(), org.ID, gone.ID, at, nil); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("releasing twice: err = %v, want ErrNotFound", err)
		}
		if _, err := st.UpdatePhoneNumber(t.Context(), org.ID, gone.ID, func(*dialtone.PhoneNumber) error { return nil }); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("updating a released number: err = %v, want ErrNotFound", err)
		}
		// The row is kept, released and detached.
		var number string
		var agentID *string
		var releasedAt, updatedAt time.Time
		if err := sqlstore.WriterDB(st).QueryRowContext(t.Context(),
			`SELECT number, agent_id, released_at, updated_at FROM phone_numbers WHERE id = $1`, gone.ID,
		).Scan(&number, &agentID, &releasedAt, &updatedAt); err != nil {
			t.Fatalf("read the released row: %v", err)
		}
		if number != gone.Number || agentID != nil || !releasedAt.Equal(stored(at)) || !updatedAt.Equal(stored(at)) {
			t.Errorf("released row: number %s, agent_id %v, released_at %v, updated_at %v; want %s, nil, %v, %v",
				number, agentID, releasedAt, updatedAt, gone.Number, stored(at), stored(at))
		}
		// Released numbers do not hold the agent: deleting it leaves the row alone.
		if err := st.DeleteAgent(t.Context(), org.ID, agent.ID, at.Add(time.Hour)); err != nil {
			t.Fatalf("DeleteAgent: %v", err)
		}
		if n := countNumberRows(t, st, "id = $1 AND updated_at = $2", gone.ID, stored(at)); n != 1 {
			t.Error("DeleteAgent changed a released number")
		}
	})
}

func TestPhoneNumberOrganizationScoping(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		a, _ := createOrg(t, st, "A")
		b, _ := createOrg(t, st, "B")
		agent := insertAgent(t, st, a.ID, "Private")
		num := insertNumber(t, st, a.ID, &agent.ID)

		if _, err := st.GetPhoneNumber(t.Context(), b.ID, num.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("B gets A's number: err = %v, want ErrNotFound", err)
		}
		if _, err := st.UpdatePhoneNumber(t.Context(), b.ID, num.ID, func(n *dialtone.PhoneNumber) error {
			n.FriendlyName = "Hijacked"
			return nil
		}); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("B updates A's number: err = %v, want ErrNotFound", err)
		}
		if _, err := st.ReleasePhoneNumber(t.Context(), b.ID, num.ID, baseTime(), nil); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("B releases A's number: err = %v, want ErrNotFound", err)
		}
		list, _, err := st.ListPhoneNumbers(t.Context(), b.ID, dialtone.PhoneNumberFilter{}, dialtone.ListParams{})
		if err != nil || len(list) != 0 {
			t.Errorf("B lists numbers = %v, %v; want none", numberIDs(list), err)
		}
		list, _, err = st.ListPhoneNumbers(t.Context(), b.ID, dialtone.PhoneNumberFilter{AgentID: agent.ID}, dialtone.ListParams{})
		if err != nil || len(list) != 0 {
			t.Errorf("B lists numbers of A's agent = %v, %v; want none", numberIDs(list), err)
		}
		if _, _, err := st.ListPhoneNumbers(t.Context(), b.ID, dialtone.PhoneNumberFilter{}, dialtone.ListParams{StartingAfter: num.ID}); !errors.Is(err, core.ErrBadCursor) {
			t.Errorf("B pages from A's number: err = %v, want ErrBadCursor", err)
		}
		// B cannot attach its number to A's agent either.
		mine := insertNumber(t, st, b.ID, nil)
		if _, err := st.UpdatePhoneNumber(t.Context(), b.ID, mine.ID, func(n *dialtone.PhoneNumber) error {
			n.AgentID = &agent.ID
			return nil
		}); err == nil {
			t.Error("B attached its number to A's agent")
		}
		if err := st.DeleteAgent(t.Context(), b.ID, agent.ID, baseTime()); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("B deletes A's agent: err = %v, want ErrNotFound", err)
		}
		if got, err := st.GetPhoneNumber(t.Context(), a.ID, num.ID); err != nil || !reflect.DeepEqual(got, num) {
			t.Errorf("A's number after B's attempts = %+v, %v; want it unchanged", got, err)
		}
	})
}

func TestDeleteAgentDetachesPhoneNumbers(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		gone := insertAgent(t, st, org.ID, "Gone")
		keep := insertAgent(t, st, org.ID, "Keep")
		g1 := insertNumber(t, st, org.ID, &gone.ID)
		g2 := insertNumber(t, st, org.ID, &gone.ID)
		k := insertNumber(t, st, org.ID, &keep.ID)
		free := insertNumber(t, st, org.ID, nil)
		at := baseTime().Add(time.Hour)

		if err := st.DeleteAgent(t.Context(), org.ID, gone.ID, at); err != nil {
			t.Fatalf("DeleteAgent: %v", err)
		}
		for _, n := range []dialtone.PhoneNumber{g1, g2} {
			want := n
			want.AgentID = nil
			want.UpdatedAt = stored(at)
			if got, err := st.GetPhoneNumber(t.Context(), org.ID, n.ID); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("number of the deleted agent = %+v, %v; want %+v", got, err, want)
			}
		}
		for _, want := range []dialtone.PhoneNumber{k, free} {
			if got, err := st.GetPhoneNumber(t.Context(), org.ID, want.ID); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("other number after DeleteAgent = %+v, %v; want it unchanged %+v", got, err, want)
			}
		}
		list, _, err := st.ListPhoneNumbers(t.Context(), org.ID, dialtone.PhoneNumberFilter{AgentID: gone.ID}, dialtone.ListParams{})
		if err != nil || len(list) != 0 {
			t.Errorf("numbers of the deleted agent = %v, %v; want none", numberIDs(list), err)
		}
		// A failed delete detaches nothing.
		if err := st.DeleteAgent(t.Context(), org.ID, gone.ID, at.Add(time.Hour)); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("deleting twice: err = %v, want ErrNotFound", err)
		}
		if got, err := st.GetPhoneNumber(t.Context(), org.ID, k.ID); err != nil || !reflect.DeepEqual(got, k) {
			t.Errorf("number after a failed DeleteAgent = %+v, %v; want %+v", got, err, k)
		}
	})
}

func TestInsertPhoneNumberConcurrentLimit(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		const tries, limit = 15, 10
		errs := make([]error, tries)
		var wg sync.WaitGroup
		for i := range tries {
			n := newNumberValues(newNumber(), nil)
			wg.Go(func() { errs[i] = st.InsertPhoneNumber(t.Context(), org.ID, n, limit, nil) })
		}
		wg.Wait()
		ok, limited := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, core.ErrLimit):
				limited++
			default:
				t.Errorf("InsertPhoneNumber: %v", err)
			}
		}
		if ok != limit || limited != tries-limit {
			t.Errorf("%d inserted, %d ErrLimit; want %d and %d", ok, limited, limit, tries-limit)
		}
		if n := countNumberRows(t, st, "organization_id = $1 AND released_at IS NULL", org.ID); n != limit {
			t.Errorf("%d live numbers stored, want %d", n, limit)
		}
	})
}
