package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func TestContacts(t *testing.T) {
	for _, dialect := range sqltest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			_, c := start(t, dialect)
			ctx := context.Background()
			ada, err := c.Contacts.Create(ctx, dialtone.ContactCreateParams{
				PhoneNumber: dialtone.Some("+14155550123"), Name: dialtone.Some("Ada"), Metadata: dialtone.Some(map[string]string{"k": "v"}),
			})
			if err != nil || ada.Object != "contact" || ada.Name != "Ada" || ada.Metadata["k"] != "v" {
				t.Fatalf("create = %+v, %v", ada, err)
			}
			_, err = c.Contacts.Create(ctx, dialtone.ContactCreateParams{PhoneNumber: dialtone.Some("+14155550123")})
			var de *client.Error
			if !errors.As(err, &de) || de.Code != dialtone.CodeContactAlreadyExists || de.Details["contact_id"] != ada.ID {
				t.Fatalf("duplicate: %v", err)
			}
			up, err := c.Contacts.Update(ctx, ada.ID, dialtone.ContactUpdateParams{Name: dialtone.Null[string](), Email: dialtone.Some("ada@example.com")})
			if err != nil || up.Name != "" || up.Email != "ada@example.com" {
				t.Fatalf("update = %+v, %v", up, err)
			}
			rep, err := c.Contacts.Import(ctx, []byte("phone_number,name\n+442071838750,Bob\n+14155550123,Ada\nnope,X\n"))
			if err != nil || rep.Created != 1 || len(rep.Rejected) != 2 {
				t.Fatalf("import = %+v, %v", rep, err)
			}
			found, err := c.Contacts.List(ctx, &client.ContactListParams{Search: "bob"})
			if err != nil || len(found.Data) != 1 || found.Data[0].PhoneNumber != "+442071838750" {
				t.Fatalf("search = %+v, %v", found, err)
			}
			n := 0
			for _, err := range c.Contacts.All(ctx, &client.ContactListParams{Limit: 1}) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if n != 2 {
				t.Errorf("All gave %d contacts", n)
			}
			if del, err := c.Contacts.Delete(ctx, ada.ID); err != nil || !del.Deleted {
				t.Fatalf("delete = %+v, %v", del, err)
			}
			if _, err := c.Contacts.Get(ctx, ada.ID); !errors.As(err, &de) || de.Code != dialtone.CodeContactNotFound {
				t.Fatalf("get deleted: %v", err)
			}
			_, err = c.Contacts.Import(ctx, []byte("name\nAda\n"))
			if !errors.As(err, &de) || de.Code != dialtone.CodeInvalidCSV {
				t.Fatalf("bad csv: %v", err)
			}
		})
	}
}
