package client_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func TestBilling(t *testing.T) {
	env, c, agent, _ := startCalls(t)
	ctx := context.Background()

	bal, err := c.Billing.Balance(ctx)
	if err != nil || bal.Object != "balance" || bal.OrganizationID != env.OrgID || bal.Mode != dialtone.BillingPostpaid ||
		bal.Available.AmountMicros != -dialtone.DefaultNumberMonthlyMicros {
		t.Fatalf("balance after renting a number: %+v %v", bal, err)
	}

	credit := dialtone.CreditParams{AmountMicros: dialtone.Some[int64](5_000_000), Description: dialtone.Some("Wire transfer")}
	if _, err := c.Billing.Credit(ctx, env.OrgID, credit); !client.IsCode(err, dialtone.CodeOperatorRequired) {
		t.Fatalf("credit with a plain admin key: %v", err)
	}
	op := client.New(env.URL, env.Key(t, env.OrgID, dialtone.RoleAdmin, true))
	entry, err := op.Billing.Credit(ctx, env.OrgID, credit)
	if err != nil || entry.Kind != dialtone.LedgerKindCredit || entry.Amount != dialtone.USD(5_000_000) || entry.Description != "Wire transfer" {
		t.Fatalf("credit: %+v %v", entry, err)
	}
	if _, err := op.Billing.Credit(ctx, "org_missing", credit); !client.IsCode(err, dialtone.CodeOrganizationNotFound) {
		t.Fatalf("credit an unknown organization: %v", err)
	}
	_, err = op.Billing.Credit(ctx, env.OrgID, dialtone.CreditParams{AmountMicros: dialtone.Some[int64](0)})
	var e *client.Error
	if !asError(err, &e) || e.Code != dialtone.CodeValueOutOfRange || e.Param != "amount_micros" {
		t.Fatalf("zero credit: %v", err)
	}

	// A call to …14 is answered, then the far end hangs up: it is billed.
	call, err := c.Calls.Create(ctx, dialtone.CallParams{AgentID: dialtone.Some(agent.ID), ToNumber: dialtone.Some(sandboxTo("14"))})
	if err != nil {
		t.Fatal(err)
	}
	done := waitCall(t, c, call.ID, callEnded)
	if done.Status != dialtone.CallCompleted || done.DurationSeconds < 1 || done.Cost.AmountMicros <= 0 {
		t.Fatalf("billed call %+v", done)
	}

	var sum int64
	kinds := map[string]int{}
	for le, err := range c.Billing.LedgerAll(ctx, &client.ListParams{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		sum += le.Amount.AmountMicros
		kinds[le.Kind]++
	}
	if kinds[dialtone.LedgerKindCredit] != 1 || kinds[dialtone.LedgerKindNumberRental] != 1 || kinds[dialtone.LedgerKindCall] != 1 {
		t.Fatalf("ledger kinds %v", kinds)
	}
	if bal, err = c.Billing.Balance(ctx); err != nil || bal.Available.AmountMicros != sum {
		t.Fatalf("balance %+v %v, ledger sums to %d", bal, err, sum)
	}
	page, err := c.Billing.Ledger(ctx, &client.ListParams{Limit: 2})
	if err != nil || len(page.Data) != 2 || !page.HasMore || page.Data[0].Kind != dialtone.LedgerKindCall || page.Data[0].ReferenceID != call.ID {
		t.Fatalf("ledger page: %+v %v", page, err)
	}

	u, err := c.Billing.Usage(ctx, dialtone.UsageParams{})
	if err != nil || u.Object != "usage" || u.GroupBy != dialtone.UsageByDay || len(u.Data) != 1 || u.Total.Calls != 1 ||
		u.Total.DurationSeconds != done.DurationSeconds || u.Total.Cost != done.Cost {
		t.Fatalf("usage: %+v %v", u, err)
	}
	u, err = c.Billing.Usage(ctx, dialtone.UsageParams{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), GroupBy: dialtone.UsageByAgent})
	if err != nil || len(u.Data) != 1 || u.Data[0].Group != agent.ID || u.Data[0].Calls != 1 {
		t.Fatalf("usage by agent: %+v %v", u, err)
	}
	_, err = c.Billing.Usage(ctx, dialtone.UsageParams{From: time.Now(), To: time.Now().Add(-time.Hour)})
	if !asError(err, &e) || e.Code != dialtone.CodeInvalidValue || e.Param != "from" {
		t.Fatalf("from after to: %v", err)
	}
}

// TestUsageQuery checks that BillingService.Usage sends only the parameters set.
func TestUsageQuery(t *testing.T) {
	f := newFake(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"object":"usage","data":[],"total":{}}`)
	})
	c := client.New(f.URL, "key_x:dts_y")
	if _, err := c.Billing.Usage(context.Background(), dialtone.UsageParams{}); err != nil {
		t.Fatal(err)
	}
	to := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if _, err := c.Billing.Usage(context.Background(), dialtone.UsageParams{To: to, GroupBy: dialtone.UsageByAgent}); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].Path != "/v1/usage" || reqs[0].Query != "" {
		t.Fatalf("requests %+v", reqs)
	}
	q, _ := url.ParseQuery(reqs[1].Query)
	if want := (url.Values{"to": {"2026-12-01T00:00:00Z"}, "group_by": {"agent"}}); q.Encode() != want.Encode() {
		t.Fatalf("query %s, want %s", q.Encode(), want.Encode())
	}
}
