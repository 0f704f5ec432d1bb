package client_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func TestTelephonyConfig(t *testing.T) {
	_, c, agent, _ := startCalls(t)
	ctx := context.Background()

	cfg, err := c.TelephonyConfig.Get(ctx)
	if err != nil || cfg.Object != "telephony_config" || !slices.Equal(cfg.AllowedCountries, []string{dialtone.AllCountries}) ||
		len(cfg.AllowedPrefixes) != 0 || !cfg.BlockPremiumRate || cfg.UpdatedAt != nil {
		t.Fatalf("default config: %+v %v", cfg, err)
	}
	cfg, err = c.TelephonyConfig.Put(ctx, dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some([]string{"US", "CA"}),
		AllowedPrefixes: dialtone.Some([]string{"+1646"})})
	if err != nil || !slices.Equal(cfg.AllowedCountries, []string{"US", "CA"}) || !slices.Equal(cfg.AllowedPrefixes, []string{"+1646"}) ||
		!cfg.BlockPremiumRate || cfg.UpdatedAt == nil {
		t.Fatalf("put: %+v %v", cfg, err)
	}
	if got, err := c.TelephonyConfig.Get(ctx); err != nil || !slices.Equal(got.AllowedPrefixes, []string{"+1646"}) {
		t.Fatalf("get after put: %+v %v", got, err)
	}

	_, err = c.Calls.Create(ctx, dialtone.CallParams{AgentID: dialtone.Some(agent.ID), ToNumber: dialtone.Some(sandboxTo("00"))})
	var e *client.Error
	if !asError(err, &e) || e.Code != dialtone.CodeDestinationNotAllowed || e.StatusCode != http.StatusForbidden ||
		e.Param != "to_number" || e.Details["reason"] != "prefix_not_allowed" {
		t.Fatalf("call outside the allowed prefixes: %v", err)
	}

	_, err = c.TelephonyConfig.Put(ctx, dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some([]string{"US", "us"}),
		AllowedPrefixes: dialtone.Some([]string{"1212"})})
	if !asError(err, &e) || e.StatusCode != http.StatusBadRequest || len(e.Fields) != 2 ||
		e.Fields[0].Code != dialtone.CodeInvalidCountry || e.Fields[0].Field != "allowed_countries[1]" ||
		e.Fields[1].Field != "allowed_prefixes[0]" {
		t.Fatalf("invalid config: %v (%+v)", err, e)
	}

	// An empty PUT restores the defaults, and the call goes through.
	if cfg, err = c.TelephonyConfig.Put(ctx, dialtone.TelephonyConfigParams{}); err != nil ||
		!slices.Equal(cfg.AllowedCountries, []string{dialtone.AllCountries}) || len(cfg.AllowedPrefixes) != 0 {
		t.Fatalf("reset: %+v %v", cfg, err)
	}
	call, err := c.Calls.Create(ctx, dialtone.CallParams{AgentID: dialtone.Some(agent.ID), ToNumber: dialtone.Some(sandboxTo("10"))})
	if err != nil {
		t.Fatalf("call after reset: %v", err)
	}
	waitCall(t, c, call.ID, callEnded)
}
