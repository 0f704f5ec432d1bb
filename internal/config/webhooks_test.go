package config

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestWebhookFlags(t *testing.T) {
	parse := func(t *testing.T, args ...string) Config {
		t.Helper()
		var c Config
		fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
		BindServer(fs, &c)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := parse(t); c.AllowHTTPWebhooks || c.AllowPrivateWebhooks {
		t.Fatalf("allowed by default: %+v", c)
	}
	if c := parse(t, "--allow-http-webhooks", "--allow-private-webhooks"); !c.AllowHTTPWebhooks || !c.AllowPrivateWebhooks {
		t.Fatalf("flags ignored: %+v", c)
	}
	t.Setenv("DIALTONE_ALLOW_PRIVATE_WEBHOOKS", "true")
	if c := parse(t); c.AllowHTTPWebhooks || !c.AllowPrivateWebhooks {
		t.Fatalf("environment ignored: %+v", c)
	}
	if c := parse(t, "--allow-private-webhooks=false"); c.AllowPrivateWebhooks {
		t.Fatal("the flag does not override the environment")
	}
	t.Setenv("DIALTONE_ALLOW_HTTP_WEBHOOKS", "sometimes")
	c := parse(t)
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "DIALTONE_ALLOW_HTTP_WEBHOOKS") {
		t.Fatalf("Validate = %v", err)
	}
}
