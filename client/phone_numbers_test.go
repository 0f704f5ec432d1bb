package client_test

import (
	"context"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func TestPhoneNumbers(t *testing.T) {
	_, c := start(t, "sqlite")
	ctx := context.Background()
	a, err := c.Agents.Create(ctx, dialtone.AgentParams{Name: dialtone.Some("Front desk")})
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.PhoneNumbers.Create(ctx, dialtone.PhoneNumberCreateParams{AreaCode: dialtone.Some("646"), AgentID: dialtone.Some(a.ID)})
	if err != nil || n.Number[:5] != "+1646" || n.AgentID == nil || *n.AgentID != a.ID {
		t.Fatalf("create: %+v %v", n, err)
	}
	if _, err := c.PhoneNumbers.Create(ctx, dialtone.PhoneNumberCreateParams{}); err != nil {
		t.Fatal(err)
	}
	var attached []string
	for num, err := range c.PhoneNumbers.All(ctx, &client.ListParams{AgentID: a.ID, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		attached = append(attached, num.ID)
	}
	if len(attached) != 1 || attached[0] != n.ID {
		t.Fatalf("attached numbers %v", attached)
	}
	u, err := c.PhoneNumbers.Update(ctx, n.ID, dialtone.PhoneNumberUpdateParams{AgentID: dialtone.Null[string](), FriendlyName: dialtone.Some("Main line")})
	if err != nil || u.AgentID != nil || u.FriendlyName != "Main line" {
		t.Fatalf("update: %+v %v", u, err)
	}
	if _, err := c.PhoneNumbers.Release(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.PhoneNumbers.Get(ctx, n.ID)
	if !client.IsCode(err, dialtone.CodePhoneNumberNotFound) {
		t.Fatalf("get after release: %v", err)
	}
	_, err = c.PhoneNumbers.Create(ctx, dialtone.PhoneNumberCreateParams{Country: dialtone.Some("GB")})
	if !client.IsCode(err, dialtone.CodeNoNumbersAvailable) {
		t.Fatalf("GB: %v", err)
	}
}
