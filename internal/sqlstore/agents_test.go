package sqlstore_test

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func TestAgentRoundTrip(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		want := insertAgent(t, st, org.ID, "Reception")
		got, err := st.GetAgent(t.Context(), org.ID, want.ID)
		if err != nil {
			t.Fatalf("GetAgent: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GetAgent =\n %+v\nwant\n %+v", got, want)
		}
		if _, err := st.GetAgent(t.Context(), org.ID, dialtone.NewID(dialtone.PrefixAgent)); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("unknown agent: err = %v, want ErrNotFound", err)
		}
	})
}

func TestAgentEmptyCollections(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		a := newAgentValues("Bare")
		a.TransferNumbers, a.Metadata = nil, nil
		a.Voicemail = dialtone.Voicemail{Action: dialtone.VoicemailHangUp}
		if err := st.InsertAgent(t.Context(), org.ID, a); err != nil {
			t.Fatalf("InsertAgent: %v", err)
		}
		got, err := st.GetAgent(t.Context(), org.ID, a.ID)
		if err != nil {
			t.Fatalf("GetAgent: %v", err)
		}
		if got.TransferNumbers == nil || len(got.TransferNumbers) != 0 {
			t.Errorf("TransferNumbers = %#v, want an empty, non-nil slice", got.TransferNumbers)
		}
		if got.Metadata == nil || len(got.Metadata) != 0 {
			t.Errorf("Metadata = %#v, want an empty, non-nil map", got.Metadata)
		}
		if got.Voicemail != a.Voicemail {
			t.Errorf("Voicemail = %+v, want %+v", got.Voicemail, a.Voicemail)
		}
		var transfer, metadata string
		if err := sqlstore.WriterDB(st).QueryRowContext(t.Context(),
			`SELECT transfer_numbers, metadata FROM agents WHERE id = $1`, a.ID).Scan(&transfer, &metadata); err != nil {
			t.Fatalf("read JSON columns: %v", err)
		}
		if transfer != "[]" || metadata != "{}" {
			t.Errorf("stored transfer_numbers %q, metadata %q; want [] and {}", transfer, metadata)
		}
	})
}

func TestTimeRoundTrip(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, key := createOrg(t, st, "Acme")
		// Microsecond precision, a zone other than UTC, and the extreme ends of a day.
		times := []time.Time{
			time.Date(2026, 12, 31, 23, 59, 59, 999999000, time.FixedZone("", -7*3600)),
			time.Date(2001, 1, 1, 0, 0, 0, 1000, time.UTC),
			time.Now().Truncate(time.Microsecond),
		}
		for i, tm := range times {
			a := newAgentValues("T" + strconv.Itoa(i))
			a.CreatedAt, a.UpdatedAt = tm, tm.Add(time.Microsecond)
			if err := st.InsertAgent(t.Context(), org.ID, a); err != nil {
				t.Fatalf("InsertAgent: %v", err)
			}
			got, err := st.GetAgent(t.Context(), org.ID, a.ID)
			if err != nil {
				t.Fatalf("GetAgent: %v", err)
			}
			if got.CreatedAt != tm.UTC() || got.UpdatedAt != tm.Add(time.Microsecond).UTC() {
				t.Errorf("times %v, %v; want %v, %v (UTC, equal to the microsecond)",
					got.CreatedAt, got.UpdatedAt, tm.UTC(), tm.Add(time.Microsecond).UTC())
			}
		}
		// Times finer than a microsecond are truncated, the same on both engines.
		fine := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)
		rotated, err := st.RotateKey(t.Context(), org.ID, key.ID, []byte{1}, "h", fine)
		if err != nil {
			t.Fatalf("RotateKey: %v", err)
		}
		if want := time.Date(2026, 5, 6, 7, 8, 9, 123456000, time.UTC); *rotated.RotatedAt != want {
			t.Errorf("rotated_at = %v, want %v", *rotated.RotatedAt, want)
		}
		gotOrg, err := st.GetOrganization(t.Context(), org.ID)
		if err != nil {
			t.Fatalf("GetOrganization: %v", err)
		}
		if gotOrg.CreatedAt != stored(org.CreatedAt) || gotOrg.CreatedAt.Location() != time.UTC {
			t.Errorf("organization created_at = %v, want %v", gotOrg.CreatedAt, stored(org.CreatedAt))
		}
	})
}

func TestListAgentsNewestFirstAndFilter(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		a := insertAgent(t, st, org.ID, "Sales")
		b := insertAgent(t, st, org.ID, "Support")
		c := insertAgent(t, st, org.ID, "Sales")
		insertAgent(t, st, other.ID, "Sales")

		got, more, err := st.ListAgents(t.Context(), org.ID, dialtone.AgentFilter{}, dialtone.ListParams{})
		if err != nil {
			t.Fatalf("ListAgents: %v", err)
		}
		if want := []string{c.ID, b.ID, a.ID}; !slices.Equal(agentIDs(got), want) || more {
			t.Errorf("ListAgents = %v, %v; want %v, false", agentIDs(got), more, want)
		}
		if !reflect.DeepEqual(got[2], a) {
			t.Errorf("listed agent =\n %+v\nwant\n %+v", got[2], a)
		}
		sales, _, err := st.ListAgents(t.Context(), org.ID, dialtone.AgentFilter{Name: "Sales"}, dialtone.ListParams{})
		if err != nil {
			t.Fatalf("ListAgents name=Sales: %v", err)
		}
		if want := []string{c.ID, a.ID}; !slices.Equal(agentIDs(sales), want) {
			t.Errorf("ListAgents name=Sales = %v, want %v", agentIDs(sales), want)
		}
		// A cursor need not match the filter, only name a live agent of the organization.
		after, _, err := st.ListAgents(t.Context(), org.ID, dialtone.AgentFilter{Name: "Sales"}, dialtone.ListParams{StartingAfter: b.ID})
		if err != nil || !slices.Equal(agentIDs(after), []string{a.ID}) {
			t.Errorf("ListAgents name=Sales after %s = %v, %v; want [%s]", b.ID, agentIDs(after), err, a.ID)
		}
		none, more, err := st.ListAgents(t.Context(), org.ID, dialtone.AgentFilter{Name: "Nobody"}, dialtone.ListParams{})
		if err != nil || none == nil || len(none) != 0 || more {
			t.Errorf("ListAgents name=Nobody = %#v, %v, %v; want an empty non-nil slice", none, more, err)
		}
	})
}

func TestListAgentsPagination(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		var ids []string // oldest first: ids[4] is the newest
		for i := range 5 {
			ids = append(ids, insertAgent(t, st, org.ID, "Agent "+strconv.Itoa(i)).ID)
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
			{"exactly the rest", dialtone.ListParams{Limit: 2, StartingAfter: ids[2]}, []string{ids[1], ids[0]}, false},
			{"back from the oldest", dialtone.ListParams{Limit: 2, EndingBefore: ids[0]}, []string{ids[2], ids[1]}, true},
			{"back to the start", dialtone.ListParams{Limit: 2, EndingBefore: ids[2]}, []string{ids[4], ids[3]}, false},
			{"back, short", dialtone.ListParams{Limit: 2, EndingBefore: ids[3]}, []string{ids[4]}, false},
			{"before the newest", dialtone.ListParams{Limit: 2, EndingBefore: ids[4]}, []string{}, false},
			{"default limit", dialtone.ListParams{}, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}, false},
			{"limit above the maximum", dialtone.ListParams{Limit: 1000}, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}, false},
			{"limit equal to the count", dialtone.ListParams{Limit: 5}, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}, false},
			{"limit one below the count", dialtone.ListParams{Limit: 4}, []string{ids[4], ids[3], ids[2], ids[1]}, true},
		} {
			got, more, err := st.ListAgents(t.Context(), org.ID, dialtone.AgentFilter{}, tc.lp)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if !slices.Equal(agentIDs(got), tc.want) || more != tc.wantMore {
				t.Errorf("%s: got %v, has_more %v; want %v, %v", tc.name, agentIDs(got), more, tc.want, tc.wantMore)
			}
		}
	})
}

func TestListAgentsBadCursor(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		other, _ := createOrg(t, st, "Other")
		live := insertAgent(t, st, org.ID, "Live")
		deleted := insertAgent(t, st, org.ID, "Deleted")
		if err := st.DeleteAgent(t.Context(), org.ID, deleted.ID, baseTime()); err != nil {
			t.Fatalf("DeleteAgent: %v", err)
		}
		foreign := insertAgent(t, st, other.ID, "Foreign")
		for name, lp := range map[string]dialtone.ListParams{
			"unknown starting_after":  {StartingAfter: dialtone.NewID(dialtone.PrefixAgent)},
			"unknown ending_before":   {EndingBefore: dialtone.NewID(dialtone.PrefixAgent)},
			"other organization's":    {StartingAfter: foreign.ID},
			"other organization's eb": {EndingBefore: foreign.ID},
			"deleted agent":           {StartingAfter: deleted.ID},
			"deleted agent eb":        {EndingBefore: deleted.ID},
			"both cursors":            {StartingAfter: live.ID, EndingBefore: live.ID},
		} {
			if _, _, err := st.ListAgents(t.Context(), org.ID, dialtone.AgentFilter{}, lp); !errors.Is(err, core.ErrBadCursor) {
				t.Errorf("%s: err = %v, want ErrBadCursor", name, err)
			}
		}
	})
}

func TestUpdateAgent(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		orig := insertAgent(t, st, org.ID, "Reception")
		later := baseTime().Add(time.Minute)

		got, err := st.UpdateAgent(t.Context(), org.ID, orig.ID, func(a *dialtone.Agent) error {
			if !reflect.DeepEqual(*a, orig) {
				t.Errorf("mutate got %+v, want %+v", *a, orig)
			}
			a.Name = "Front desk"
			a.Brain = dialtone.Brain{Type: dialtone.BrainOpenAI}
			a.Voicemail = dialtone.Voicemail{Action: dialtone.VoicemailHangUp}
			a.TransferNumbers = []string{"+442071838750"}
			a.Metadata = map[string]string{"floor": "3"}
			a.RingTimeoutSeconds = 45
			a.UpdatedAt = later
			a.ID = "agt_changed" // ignored
			a.CreatedAt = later  // ignored
			return nil
		})
		if err != nil {
			t.Fatalf("UpdateAgent: %v", err)
		}
		want := orig
		want.Name = "Front desk"
		want.Brain = dialtone.Brain{Type: dialtone.BrainOpenAI}
		want.Voicemail = dialtone.Voicemail{Action: dialtone.VoicemailHangUp}
		want.TransferNumbers = []string{"+442071838750"}
		want.Metadata = map[string]string{"floor": "3"}
		want.RingTimeoutSeconds = 45
		want.UpdatedAt = stored(later)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("UpdateAgent =\n %+v\nwant\n %+v", got, want)
		}
		if read, err := st.GetAgent(t.Context(), org.ID, orig.ID); err != nil || !reflect.DeepEqual(read, want) {
			t.Errorf("GetAgent after update = %+v, %v; want %+v", read, err, want)
		}

		// An error from mutate is returned as is and changes nothing.
		errStop := errors.New("stop")
		_, err = st.UpdateAgent(t.Context(), org.ID, orig.ID, func(a *dialtone.Agent) error {
			a.Name = "Should not be stored"
			return errStop
		})
		if err != errStop {
			t.Errorf("UpdateAgent with a failing mutate: err = %v, want errStop itself", err)
		}
		if read, err := st.GetAgent(t.Context(), org.ID, orig.ID); err != nil || !reflect.DeepEqual(read, want) {
			t.Errorf("GetAgent after an aborted update = %+v, %v; want %+v", read, err, want)
		}

		called := false
		_, err = st.UpdateAgent(t.Context(), org.ID, dialtone.NewID(dialtone.PrefixAgent), func(*dialtone.Agent) error {
			called = true
			return nil
		})
		if !errors.Is(err, core.ErrNotFound) || called {
			t.Errorf("updating an unknown agent: err = %v, mutate called %v; want ErrNotFound, false", err, called)
		}
	})
}

func TestUpdateAgentSerialisesConcurrentUpdates(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		a := insertAgent(t, st, org.ID, "Counter")
		const n = 10
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				_, err := st.UpdateAgent(t.Context(), org.ID, a.ID, func(a *dialtone.Agent) error {
					count, _ := strconv.Atoi(a.Metadata["count"])
					a.Metadata["count"] = strconv.Itoa(count + 1)
					return nil
				})
				if err != nil {
					t.Errorf("UpdateAgent: %v", err)
				}
			})
		}
		wg.Wait()
		got, err := st.GetAgent(t.Context(), org.ID, a.ID)
		if err != nil {
			t.Fatalf("GetAgent: %v", err)
		}
		if got.Metadata["count"] != strconv.Itoa(n) {
			t.Errorf("count after %d concurrent increments = %q; updates were lost", n, got.Metadata["count"])
		}
	})
}

func TestDeleteAgent(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		org, _ := createOrg(t, st, "Acme")
		keep := insertAgent(t, st, org.ID, "Keep")
		gone := insertAgent(t, st, org.ID, "Gone")
		at := baseTime().Add(time.Hour)
		if err := st.DeleteAgent(t.Context(), org.ID, gone.ID, at); err != nil {
			t.Fatalf("DeleteAgent: %v", err)
		}
		if _, err := st.GetAgent(t.Context(), org.ID, gone.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("GetAgent of a deleted agent: err = %v, want ErrNotFound", err)
		}
		list, _, err := st.ListAgents(t.Context(), org.ID, dialtone.AgentFilter{}, dialtone.ListParams{})
		if err != nil || !slices.Equal(agentIDs(list), []string{keep.ID}) {
			t.Errorf("ListAgents after delete = %v, %v; want [%s]", agentIDs(list), err, keep.ID)
		}
		if err := st.DeleteAgent(t.Context(), org.ID, gone.ID, at); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("deleting twice: err = %v, want ErrNotFound", err)
		}
		if _, err := st.UpdateAgent(t.Context(), org.ID, gone.ID, func(*dialtone.Agent) error { return nil }); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("updating a deleted agent: err = %v, want ErrNotFound", err)
		}
		// The row is kept, marked deleted.
		var name string
		var deletedAt time.Time
		if err := sqlstore.WriterDB(st).QueryRowContext(t.Context(),
			`SELECT name, deleted_at FROM agents WHERE id = $1`, gone.ID).Scan(&name, &deletedAt); err != nil {
			t.Fatalf("read the deleted row: %v", err)
		}
		if name != "Gone" || !deletedAt.Equal(stored(at)) {
			t.Errorf("deleted row: name %q, deleted_at %v; want Gone, %v", name, deletedAt, stored(at))
		}
	})
}

func TestAgentOrganizationScoping(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		a, _ := createOrg(t, st, "A")
		b, _ := createOrg(t, st, "B")
		agent := insertAgent(t, st, a.ID, "Private")

		if _, err := st.GetAgent(t.Context(), b.ID, agent.ID); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("B gets A's agent: err = %v, want ErrNotFound", err)
		}
		if _, err := st.UpdateAgent(t.Context(), b.ID, agent.ID, func(x *dialtone.Agent) error {
			x.Name = "Hijacked"
			return nil
		}); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("B updates A's agent: err = %v, want ErrNotFound", err)
		}
		if err := st.DeleteAgent(t.Context(), b.ID, agent.ID, baseTime()); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("B deletes A's agent: err = %v, want ErrNotFound", err)
		}
		list, _, err := st.ListAgents(t.Context(), b.ID, dialtone.AgentFilter{}, dialtone.ListParams{})
		if err != nil || len(list) != 0 {
			t.Errorf("B lists agents = %v, %v; want none", agentIDs(list), err)
		}
		if got, err := st.GetAgent(t.Context(), a.ID, agent.ID); err != nil || !reflect.DeepEqual(got, agent) {
			t.Errorf("A's agent after B's attempts = %+v, %v; want it unchanged", got, err)
		}
	})
}
