package client_test

import (
	"context"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

func TestOrganizations(t *testing.T) {
	env, c := start(t, "sqlite")
	ctx := context.Background()
	org, err := c.Organizations.Get(ctx)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if org.ID != env.OrgID || org.Object != "organization" || org.AdminKey != nil {
		t.Errorf("org = %+v", org)
	}

	params := dialtone.OrganizationParams{Name: dialtone.Some("Acme")}
	if _, err := c.Organizations.Create(ctx, params); !client.IsCode(err, dialtone.CodeOperatorRequired) {
		t.Fatalf("create with a plain admin key: err = %v, want operator_required", err)
	}
	op := client.New(env.URL, env.Key(t, env.OrgID, dialtone.RoleAdmin, true))
	created, err := op.Organizations.Create(ctx, params)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.Name != "Acme" || created.AdminKey == nil || created.AdminKey.Credential == "" {
		t.Fatalf("created = %+v", created)
	}
	acme, err := client.New(env.URL, created.AdminKey.Credential).Organizations.Get(ctx)
	if err != nil || acme.ID != created.ID {
		t.Errorf("new org's admin key: org = %+v, err = %v", acme, err)
	}
}

func TestVoices(t *testing.T) {
	_, c := start(t, "sqlite")
	ctx := context.Background()
	all, err := c.Voices.List(ctx, "")
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(all.Data) != 2*len(dialtone.SupportedLanguages()) || all.HasMore {
		t.Errorf("%d voices, has_more %v", len(all.Data), all.HasMore)
	}
	fr, err := c.Voices.List(ctx, "fr-FR")
	if err != nil {
		t.Fatalf("list fr-FR: %v", err)
	}
	if len(fr.Data) != 2 || fr.Data[0].Language != "fr-FR" || fr.Data[0].Object != "voice" {
		t.Errorf("fr-FR voices = %+v", fr.Data)
	}
	_, err = c.Voices.List(ctx, "xx-YY")
	var e *client.Error
	if !asError(err, &e) || e.Code != dialtone.CodeInvalidLanguage || e.Param != "language" {
		t.Errorf("unsupported language: err = %v", err)
	}
}
