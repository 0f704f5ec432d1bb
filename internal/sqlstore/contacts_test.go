package sqlstore_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func newContact(number, name string) dialtone.Contact {
	return dialtone.Contact{ID: dialtone.NewID(dialtone.PrefixContact), Object: "contact", PhoneNumber: number,
		Name: name, Email: "", Notes: "", Metadata: map[string]string{},
		CreatedAt: stored(baseTime()), UpdatedAt: stored(baseTime())}
}

func contactIDs(cs []dialtone.Contact) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestContacts(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := t.Context()
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		ada := newContact("+14155550123", "Ada Lovelace")
		ada.Email, ada.Notes, ada.Metadata = "ada@example.com", "VIP", map[string]string{"crm_id": "42"}
		if err := st.InsertContact(ctx, org.ID, ada); err != nil {
			t.Fatalf("InsertContact: %v", err)
		}
		got, err := st.GetContact(ctx, org.ID, ada.ID)
		if err != nil || !reflect.DeepEqual(got, ada) {
			t.Fatalf("GetContact =\n %+v, %v\nwant\n %+v", got, err, ada)
		}
		if _, err := st.GetContact(ctx, other.ID, ada.ID); err != core.ErrNotFound {
			t.Errorf("foreign GetContact: %v", err)
		}
		if c, err := st.GetContactByNumber(ctx, org.ID, ada.PhoneNumber); err != nil || c.ID != ada.ID {
			t.Errorf("GetContactByNumber = %v, %v", c.ID, err)
		}
		// One contact per number per organization; another organization may have it too.
		if err := st.InsertContact(ctx, org.ID, newContact(ada.PhoneNumber, "Dup")); err != core.ErrTaken {
			t.Errorf("duplicate number: %v, want ErrTaken", err)
		}
		if err := st.InsertContact(ctx, other.ID, newContact(ada.PhoneNumber, "Theirs")); err != nil {
			t.Errorf("other organization's contact: %v", err)
		}

		bob := newContact("+442071838750", "Bob 100%_sure")
		if err := st.InsertContact(ctx, org.ID, bob); err != nil {
			t.Fatal(err)
		}
		// Batch insert skips numbers already there.
		carol, again := newContact("+33142685300", "carol"), newContact(bob.PhoneNumber, "Bob again")
		inserted, err := st.InsertContacts(ctx, org.ID, []dialtone.Contact{carol, again})
		if err != nil || !slices.Equal(inserted, []bool{true, false}) {
			t.Fatalf("InsertContacts = %v, %v", inserted, err)
		}

		search := func(q string) []string {
			t.Helper()
			l, _, err := st.ListContacts(ctx, org.ID, dialtone.ContactFilter{Search: q}, dialtone.ListParams{})
			if err != nil {
				t.Fatalf("ListContacts(%q): %v", q, err)
			}
			return contactIDs(l)
		}
		for q, want := range map[string][]string{
			"":          {carol.ID, bob.ID, ada.ID},
			"ADA":       {ada.ID},
			"lace":      {ada.ID},
			"5550":      {ada.ID},
			"+44 20":    {bob.ID},
			"%":         {bob.ID}, // wildcards match themselves
			"_sure":     {bob.ID},
			"nobody":    nil,
			"(415) 555": {ada.ID},
		} {
			if got := search(q); !slices.Equal(got, want) {
				t.Errorf("search %q = %v, want %v", q, got, want)
			}
		}
		page, more, err := st.ListContacts(ctx, org.ID, dialtone.ContactFilter{}, dialtone.ListParams{Limit: 1, StartingAfter: carol.ID})
		if err != nil || !more || !slices.Equal(contactIDs(page), []string{bob.ID}) {
			t.Errorf("page = %v, %v, %v", contactIDs(page), more, err)
		}
		if _, _, err := st.ListContacts(ctx, other.ID, dialtone.ContactFilter{}, dialtone.ListParams{StartingAfter: carol.ID}); !errors.Is(err, core.ErrBadCursor) {
			t.Errorf("foreign cursor: %v", err)
		}

		// Update: taking another contact's number is ErrTaken and changes nothing.
		if _, err := st.UpdateContact(ctx, org.ID, bob.ID, func(c *dialtone.Contact) error {
			c.PhoneNumber = ada.PhoneNumber
			return nil
		}); err != core.ErrTaken {
			t.Errorf("update to a taken number: %v", err)
		}
		later := stored(baseTime().Add(time.Hour))
		up, err := st.UpdateContact(ctx, org.ID, bob.ID, func(c *dialtone.Contact) error {
			c.Name, c.Metadata, c.UpdatedAt = "Robert", map[string]string{"tier": "gold"}, later
			return nil
		})
		if err != nil || up.Name != "Robert" || up.Metadata["tier"] != "gold" || !up.UpdatedAt.Equal(later) || !up.CreatedAt.Equal(bob.CreatedAt) {
			t.Fatalf("UpdateContact = %+v, %v", up, err)
		}
		if _, err := st.UpdateContact(ctx, other.ID, bob.ID, func(*dialtone.Contact) error { return nil }); err != core.ErrNotFound {
			t.Errorf("foreign update: %v", err)
		}

		// Delete is for good: the number may be added again.
		if err := st.DeleteContact(ctx, other.ID, ada.ID); err != core.ErrNotFound {
			t.Errorf("foreign delete: %v", err)
		}
		if err := st.DeleteContact(ctx, org.ID, ada.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteContact(ctx, org.ID, ada.ID); err != core.ErrNotFound {
			t.Errorf("second delete: %v", err)
		}
		if err := st.InsertContact(ctx, org.ID, newContact(ada.PhoneNumber, "Ada again")); err != nil {
			t.Errorf("re-add a deleted contact's number: %v", err)
		}
	})
}
