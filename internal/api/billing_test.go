package api_test

import (
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

func micros(t *testing.T, m any) int64 {
	t.Helper()
	money, ok := m.(map[string]any)
	if !ok || money["currency"] != "usd" {
		t.Fatalf("not money: %v", m)
	}
	return int64(money["amount_micros"].(float64))
}

func TestBillingCreditBalanceLedger(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		operator := env.Key(t, env.OrgID, dialtone.RoleAdmin, true)
		created := call(t, env, "POST", "/v1/organizations", operator, `{"name":"Tenant"}`)
		mustStatus(t, created, 201)
		if created.JSON["billing_mode"] != "prepaid" {
			t.Fatalf("operator-created organization: %s", created.Raw)
		}
		orgID := created.JSON["id"].(string)
		admin := created.JSON["admin_key"].(map[string]any)["credential"].(string)

		credit := call(t, env, "POST", "/v1/organizations/"+orgID+"/credits", operator,
			`{"amount_micros":5000000,"description":"Wire transfer"}`, "Idempotency-Key", "credit-1")
		mustStatus(t, credit, 201)
		if credit.JSON["object"] != "ledger_entry" || credit.JSON["kind"] != "credit" ||
			micros(t, credit.JSON["amount"]) != 5_000_000 || credit.JSON["description"] != "Wire transfer" {
			t.Fatalf("credit: %s", credit.Raw)
		}
		// The same Idempotency-Key replays the credit instead of adding it twice.
		again := call(t, env, "POST", "/v1/organizations/"+orgID+"/credits", operator,
			`{"amount_micros":5000000,"description":"Wire transfer"}`, "Idempotency-Key", "credit-1")
		mustStatus(t, again, 201)
		if again.JSON["id"] != credit.JSON["id"] {
			t.Fatalf("replayed credit %v, first %v", again.JSON["id"], credit.JSON["id"])
		}

		bal := call(t, env, "GET", "/v1/balance", admin, "")
		mustStatus(t, bal, 200)
		if bal.JSON["object"] != "balance" || bal.JSON["mode"] != "prepaid" || bal.JSON["organization_id"] != orgID ||
			micros(t, bal.JSON["available"]) != 5_000_000 {
			t.Fatalf("balance: %s", bal.Raw)
		}

		num := call(t, env, "POST", "/v1/phone-numbers", admin, `{}`)
		mustStatus(t, num, 201)
		numID := num.JSON["id"].(string)

		ledger := call(t, env, "GET", "/v1/ledger", admin, "")
		mustStatus(t, ledger, 200)
		data := ledger.JSON["data"].([]any)
		if len(data) != 2 {
			t.Fatalf("ledger: %s", ledger.Raw)
		}
		rental, first := data[0].(map[string]any), data[1].(map[string]any)
		if rental["kind"] != "number_rental" || micros(t, rental["amount"]) != -dialtone.DefaultNumberMonthlyMicros ||
			rental["reference_id"] != numID || first["id"] != credit.JSON["id"] {
			t.Fatalf("ledger: %s", ledger.Raw)
		}
		page := call(t, env, "GET", "/v1/ledger?limit=1", admin, "")
		if page.JSON["has_more"] != true || len(page.JSON["data"].([]any)) != 1 {
			t.Fatalf("ledger page: %s", page.Raw)
		}
		bal = call(t, env, "GET", "/v1/balance", admin, "")
		if micros(t, bal.JSON["available"]) != 5_000_000-dialtone.DefaultNumberMonthlyMicros {
			t.Fatalf("balance after rental: %s", bal.Raw)
		}

		// Another organization sees none of it.
		if l := call(t, env, "GET", "/v1/ledger", env.Admin, ""); len(l.JSON["data"].([]any)) != 0 {
			t.Fatalf("bootstrap ledger: %s", l.Raw)
		}
	})
}

func TestBillingPrepaidInsufficientBalance(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		operator := env.Key(t, env.OrgID, dialtone.RoleAdmin, true)
		orgID, admin := env.OrgMode(t, "Prepaid", dialtone.BillingPrepaid)
		mustStatus(t, call(t, env, "POST", "/v1/organizations/"+orgID+"/credits", operator, `{"amount_micros":2990000}`), 201)

		e := wantError(t, env, call(t, env, "POST", "/v1/phone-numbers", admin, `{}`), dialtone.CodeInsufficientBalance, "")
		if e.Details["balance_micros"] != float64(2_990_000) || e.Details["required_micros"] != float64(dialtone.MinBalanceToProvisionMicros) {
			t.Fatalf("details: %v", e.Details)
		}
		if l := call(t, env, "GET", "/v1/phone-numbers", admin, ""); len(l.JSON["data"].([]any)) != 0 {
			t.Fatalf("a number was written: %s", l.Raw)
		}
		if l := call(t, env, "GET", "/v1/ledger", admin, ""); len(l.JSON["data"].([]any)) != 1 {
			t.Fatalf("a charge was written: %s", l.Raw)
		}
		if b := call(t, env, "GET", "/v1/balance", admin, ""); micros(t, b.JSON["available"]) != 2_990_000 {
			t.Fatalf("balance: %s", b.Raw)
		}
	})
}

func TestBillingPostpaidGoesNegative(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		// The bootstrap organization is postpaid and starts at zero.
		if b := call(t, env, "GET", "/v1/balance", env.Admin, ""); b.JSON["mode"] != "postpaid" || micros(t, b.JSON["available"]) != 0 {
			t.Fatalf("balance: %s", b.Raw)
		}
		mustStatus(t, call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{}`), 201)
		if b := call(t, env, "GET", "/v1/balance", env.Admin, ""); micros(t, b.JSON["available"]) != -dialtone.DefaultNumberMonthlyMicros {
			t.Fatalf("balance: %s", b.Raw)
		}
		if org := call(t, env, "GET", "/v1/organization", env.Admin, ""); org.JSON["billing_mode"] != "postpaid" {
			t.Fatalf("organization: %s", org.Raw)
		}
	})
}

func TestBillingPrices(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{Prices: dialtone.Prices{NumberMonthlyMicros: 2_000_000}})
	mustStatus(t, call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{}`), 201)
	if b := call(t, env, "GET", "/v1/balance", env.Admin, ""); micros(t, b.JSON["available"]) != -2_000_000 {
		t.Fatalf("balance: %s", b.Raw)
	}
}

func TestCreditValidation(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	operator := env.Key(t, env.OrgID, dialtone.RoleAdmin, true)
	path := "/v1/organizations/" + env.OrgID + "/credits"
	wantError(t, env, call(t, env, "POST", path, operator, `{}`), dialtone.CodeFieldRequired, "amount_micros")
	wantError(t, env, call(t, env, "POST", path, operator, `{"amount_micros":0}`), dialtone.CodeValueOutOfRange, "amount_micros")
	wantError(t, env, call(t, env, "POST", path, operator, `{"amount_micros":1000000000001}`), dialtone.CodeValueOutOfRange, "amount_micros")
	wantError(t, env, call(t, env, "POST", path, env.Admin, `{"amount_micros":1}`), dialtone.CodeOperatorRequired, "")
	wantError(t, env, call(t, env, "POST", "/v1/organizations", operator, `{"name":"x","billing_mode":"free"}`), dialtone.CodeInvalidValue, "billing_mode")
	mustStatus(t, call(t, env, "POST", path, operator, `{"amount_micros":1000000000000}`), 201)
	postpaid := call(t, env, "POST", "/v1/organizations", operator, `{"name":"x","billing_mode":"postpaid"}`)
	if postpaid.JSON["billing_mode"] != "postpaid" {
		t.Fatalf("postpaid: %s", postpaid.Raw)
	}
}
