package config

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestDefaultsEnvAndFlags(t *testing.T) {
	t.Setenv("DIALTONE_RATE_LIMIT_WRITES_PER_MINUTE", "7")
	t.Setenv("DIALTONE_ADDR", "127.0.0.1:9999")
	var c Config
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	BindServer(fs, &c)
	if err := fs.Parse([]string{"--addr", "127.0.0.1:1234"}); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:1234" || c.WritesPerMinute != 7 || c.ReadsPerMinute != 600 || c.DataDir != "./dialtone-data" || c.DatabaseURL != "" ||
		c.PriceNumberMonthlyMicros != 1_150_000 || c.PriceOutboundMinuteMicros != 14_000 ||
		c.PriceInboundMinuteMicros != 8_500 || c.MaxConcurrentCalls != 10 || c.MaxQueuedCalls != 1000 ||
		c.SandboxTimeScale != 1 || c.EventRetentionDays != 30 {
		t.Fatalf("%+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNamesTheBadSetting(t *testing.T) {
	good := Config{Addr: "127.0.0.1:8080", DataDir: "d", ReadsPerMinute: 1, WritesPerMinute: 1, LogFormat: "text", MaxNumbersPerOrg: 1, PriceNumberMonthlyMicros: 1,
		PriceOutboundMinuteMicros: 1, PriceInboundMinuteMicros: 1, PriceOutboundSegmentMicros: 1, PriceInboundSegmentMicros: 1, MaxConcurrentCalls: 1, MaxQueuedCalls: 1, SandboxTimeScale: 1, EventRetentionDays: 30}
	for flag, mutate := range map[string]func(*Config){
		"--addr":                          func(c *Config) { c.Addr = "8080" },
		"--database-url":                  func(c *Config) { c.DatabaseURL = "mysql://x" },
		"--data-dir":                      func(c *Config) { c.DataDir = " " },
		"--rate-limit-reads-per-minute":   func(c *Config) { c.ReadsPerMinute = 0 },
		"--rate-limit-writes-per-minute":  func(c *Config) { c.WritesPerMinute = -1 },
		"--log-format":                    func(c *Config) { c.LogFormat = "xml" },
		"--max-numbers-per-org":           func(c *Config) { c.MaxNumbersPerOrg = 0 },
		"--public-url":                    func(c *Config) { c.PublicURL = "example.com" },
		"--price-number-monthly-micros":   func(c *Config) { c.PriceNumberMonthlyMicros = 0 },
		"--price-outbound-minute-micros":  func(c *Config) { c.PriceOutboundMinuteMicros = 0 },
		"--price-inbound-minute-micros":   func(c *Config) { c.PriceInboundMinuteMicros = -5 },
		"--price-outbound-segment-micros": func(c *Config) { c.PriceOutboundSegmentMicros = 0 },
		"--price-inbound-segment-micros":  func(c *Config) { c.PriceInboundSegmentMicros = -1 },
		"--max-concurrent-calls":          func(c *Config) { c.MaxConcurrentCalls = 0 },
		"--max-queued-calls":              func(c *Config) { c.MaxQueuedCalls = 0 },
		"--event-retention-days":          func(c *Config) { c.EventRetentionDays = 3651 },
		"--sandbox-time-scale":            func(c *Config) { c.SandboxTimeScale = 2 },
		"--secret-key":                    func(c *Config) { c.SecretKey = "c2hvcnQ=" },
	} {
		c := good
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("%s: %v", flag, err)
		}
	}
}

func TestNonNumericEnvIsRejected(t *testing.T) {
	t.Setenv("DIALTONE_RATE_LIMIT_READS_PER_MINUTE", "lots")
	var c Config
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	BindServer(fs, &c)
	_ = fs.Parse(nil)
	c.Addr, c.LogFormat, c.MaxNumbersPerOrg, c.PriceNumberMonthlyMicros = "127.0.0.1:1", "text", 1, 1
	if err := c.Validate(); err == nil {
		t.Fatal("non-numeric env accepted")
	}
}

func TestPriceFromEnv(t *testing.T) {
	t.Setenv("DIALTONE_PRICE_NUMBER_MONTHLY_MICROS", "2000000")
	var c Config
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	BindServer(fs, &c)
	if err := fs.Parse(nil); err != nil || c.PriceNumberMonthlyMicros != 2_000_000 {
		t.Fatalf("price %d, %v", c.PriceNumberMonthlyMicros, err)
	}
	if err := fs.Parse([]string{"--price-number-monthly-micros", "500000"}); err != nil || c.PriceNumberMonthlyMicros != 500_000 {
		t.Fatalf("price %d, %v", c.PriceNumberMonthlyMicros, err)
	}
}

func TestPostgreSQLNeedsASharedSecretKey(t *testing.T) {
	c := Config{Addr: "127.0.0.1:8080", DatabaseURL: "postgres://db/dialtone", ReadsPerMinute: 1, WritesPerMinute: 1,
		LogFormat: "text", MaxNumbersPerOrg: 1, PriceNumberMonthlyMicros: 1, PriceOutboundMinuteMicros: 1,
		PriceInboundMinuteMicros: 1, PriceOutboundSegmentMicros: 1, PriceInboundSegmentMicros: 1, MaxConcurrentCalls: 1, MaxQueuedCalls: 1, SandboxTimeScale: 1, EventRetentionDays: 30}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--secret-key") {
		t.Fatalf("PostgreSQL without a secret key: %v", err)
	}
	c.SecretKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}
