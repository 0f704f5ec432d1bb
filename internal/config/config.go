// Package config is Dialtone's configuration: one struct, filled from command-line flags whose
// defaults come from environment variables, and validated before anything starts.
package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/dialtonehq/dialtone/internal/secretbox"
)

// Config is the configuration of the server and of the commands that open its database.
type Config struct {
	Addr        string // DIALTONE_ADDR
	DataDir     string // DIALTONE_DATA_DIR
	DatabaseURL string // DIALTONE_DATABASE_URL; empty means SQLite in DataDir
	PublicURL   string // DIALTONE_PUBLIC_URL; empty means http://<Addr>
	// TwilioAPIURL is Twilio's REST API base URL; DIALTONE_TWILIO_API_URL (a test or a
	// regional edge points it elsewhere).
	TwilioAPIURL string
	// SecretKey is the base64 AES-256 key that seals users' secrets; DIALTONE_SECRET_KEY.
	// Empty means a key file in DataDir (SQLite only: servers sharing PostgreSQL must share
	// the key).
	SecretKey        string
	ReadsPerMinute   int    // DIALTONE_RATE_LIMIT_READS_PER_MINUTE
	WritesPerMinute  int    // DIALTONE_RATE_LIMIT_WRITES_PER_MINUTE
	LogFormat        string // DIALTONE_LOG_FORMAT: text or json
	MaxNumbersPerOrg int    // DIALTONE_MAX_NUMBERS_PER_ORG
	// PriceNumberMonthlyMicros is the monthly price of a phone number in micro-dollars;
	// DIALTONE_PRICE_NUMBER_MONTHLY_MICROS.
	PriceNumberMonthlyMicros int64
	// MaxConcurrentCalls caps each organization's live calls; DIALTONE_MAX_CONCURRENT_CALLS.
	MaxConcurrentCalls int
	// MaxQueuedCalls caps each organization's calls waiting for a line;
	// DIALTONE_MAX_QUEUED_CALLS.
	MaxQueuedCalls int
	// PriceOutboundMinuteMicros and PriceInboundMinuteMicros are per-minute call prices in
	// micro-dollars, billed per second; DIALTONE_PRICE_OUTBOUND_MINUTE_MICROS,
	// DIALTONE_PRICE_INBOUND_MINUTE_MICROS.
	PriceOutboundMinuteMicros, PriceInboundMinuteMicros int64
	// PriceOutboundSegmentMicros and PriceInboundSegmentMicros are per-segment text message
	// prices in micro-dollars; DIALTONE_PRICE_OUTBOUND_SEGMENT_MICROS,
	// DIALTONE_PRICE_INBOUND_SEGMENT_MICROS.
	PriceOutboundSegmentMicros, PriceInboundSegmentMicros int64
	// SandboxTimeScale multiplies the delays of simulated sandbox calls and of call timers;
	// DIALTONE_SANDBOX_TIME_SCALE.
	SandboxTimeScale float64
	// RecordingsDir is where call recordings are written; empty means <DataDir>/recordings;
	// DIALTONE_RECORDINGS_DIR.
	RecordingsDir string
	// EventRetentionDays is how many days events are kept before they are deleted;
	// DIALTONE_EVENT_RETENTION_DAYS.
	EventRetentionDays int
	// AllowHTTPWebhooks accepts plain http:// webhook endpoint URLs;
	// DIALTONE_ALLOW_HTTP_WEBHOOKS.
	AllowHTTPWebhooks bool
	// AllowPrivateWebhooks accepts webhook endpoints on loopback, private, link-local and other
	// non-public addresses; DIALTONE_ALLOW_PRIVATE_WEBHOOKS.
	AllowPrivateWebhooks bool
}

// Setting documents one configuration option; Settings lists them for help and docs.
type Setting struct {
	Flag, Env, Default, Usage string
}

// Settings returns every option with its flag, environment variable and default.
func Settings() []Setting {
	return []Setting{
		{"addr", "DIALTONE_ADDR", "127.0.0.1:8080", "address the HTTP server listens on"},
		{"data-dir", "DIALTONE_DATA_DIR", "./dialtone-data", "directory for the SQLite database and other local state"},
		{"database-url", "DIALTONE_DATABASE_URL", "", "postgres:// URL of a PostgreSQL database; empty means SQLite in the data directory"},
		{"public-url", "DIALTONE_PUBLIC_URL", "", "URL clients and carriers use to reach this server (doc_url links; Twilio's webhooks and Media Streams, which it signs over this URL); empty means http://<addr>"},
		{"twilio-api-url", "DIALTONE_TWILIO_API_URL", "https://api.twilio.com", "base URL of Twilio's REST API (change it only for a Twilio edge location or a test double)"},
		{"secret-key", "DIALTONE_SECRET_KEY", "", "base64 of 32 random bytes (openssl rand -base64 32) sealing stored secrets such as brain API keys; empty means <data-dir>/secret.key, created on first start; required with --database-url. Prefer the environment variable: flags show in ps"},
		{"rate-limit-reads-per-minute", "DIALTONE_RATE_LIMIT_READS_PER_MINUTE", "600", "GET requests each API key may make per minute"},
		{"rate-limit-writes-per-minute", "DIALTONE_RATE_LIMIT_WRITES_PER_MINUTE", "120", "POST, PATCH and DELETE requests each API key may make per minute"},
		{"log-format", "DIALTONE_LOG_FORMAT", "text", "log format: text or json"},
		{"max-numbers-per-org", "DIALTONE_MAX_NUMBERS_PER_ORG", "10", "phone numbers each organization may hold"},
		{"price-number-monthly-micros", "DIALTONE_PRICE_NUMBER_MONTHLY_MICROS", "1150000", "monthly price of a phone number in micro-dollars (1150000 = $1.15), charged when it is provisioned"},
		{"price-outbound-minute-micros", "DIALTONE_PRICE_OUTBOUND_MINUTE_MICROS", "14000", "price of one minute of outbound call in micro-dollars (14000 = $0.014), billed per second from answer"},
		{"price-inbound-minute-micros", "DIALTONE_PRICE_INBOUND_MINUTE_MICROS", "8500", "price of one minute of inbound call in micro-dollars (8500 = $0.0085), billed per second from answer"},
		{"price-outbound-segment-micros", "DIALTONE_PRICE_OUTBOUND_SEGMENT_MICROS", "8300", "price of one segment of an outbound text message in micro-dollars (8300 = $0.0083), charged when the carrier takes it"},
		{"price-inbound-segment-micros", "DIALTONE_PRICE_INBOUND_SEGMENT_MICROS", "8300", "price of one segment of an inbound text message in micro-dollars (8300 = $0.0083)"},
		{"max-concurrent-calls", "DIALTONE_MAX_CONCURRENT_CALLS", "10", "live calls (inbound and outbound) each organization may have at once, across every server sharing the database"},
		{"max-queued-calls", "DIALTONE_MAX_QUEUED_CALLS", "1000", "outbound calls each organization may have waiting for a free line"},
		{"event-retention-days", "DIALTONE_EVENT_RETENTION_DAYS", "30", "days events are kept (GET /v1/events) before an hourly job deletes them, 1 to 3650"},
		{"sandbox-time-scale", "DIALTONE_SANDBOX_TIME_SCALE", "1", "multiplies every delay of simulated sandbox calls, call timers and the 20 ms media clock (0.1 runs them ten times faster); for tests and demos"},
		{"recordings-dir", "DIALTONE_RECORDINGS_DIR", "", "directory for call recordings (WAV); empty means <data-dir>/recordings. Servers sharing a database should share it"},
		{"allow-http-webhooks", "DIALTONE_ALLOW_HTTP_WEBHOOKS", "false", "accept plain http:// webhook endpoint URLs (otherwise https:// only); for development"},
		{"allow-private-webhooks", "DIALTONE_ALLOW_PRIVATE_WEBHOOKS", "false", "accept webhook endpoints on loopback, private, link-local (cloud metadata) and other non-public addresses; for development and private networks"},
	}
}

// BindStorage registers the flags that locate the database on fs.
func BindStorage(fs *pflag.FlagSet, c *Config) {
	for _, s := range Settings() {
		switch s.Flag {
		case "data-dir":
			fs.StringVar(&c.DataDir, s.Flag, envOr(s.Env, s.Default), usage(s))
		case "database-url":
			fs.StringVar(&c.DatabaseURL, s.Flag, envOr(s.Env, s.Default), usage(s))
		}
	}
}

// BindServer registers every flag on fs.
func BindServer(fs *pflag.FlagSet, c *Config) {
	BindStorage(fs, c)
	for _, s := range Settings() {
		switch s.Flag {
		case "addr":
			fs.StringVar(&c.Addr, s.Flag, envOr(s.Env, s.Default), usage(s))
		case "public-url":
			fs.StringVar(&c.PublicURL, s.Flag, envOr(s.Env, s.Default), usage(s))
		case "twilio-api-url":
			fs.StringVar(&c.TwilioAPIURL, s.Flag, envOr(s.Env, s.Default), usage(s))
		case "secret-key":
			fs.StringVar(&c.SecretKey, s.Flag, envOr(s.Env, s.Default), usage(s))
		case "rate-limit-reads-per-minute":
			fs.IntVar(&c.ReadsPerMinute, s.Flag, envInt(s.Env, s.Default), usage(s))
		case "rate-limit-writes-per-minute":
			fs.IntVar(&c.WritesPerMinute, s.Flag, envInt(s.Env, s.Default), usage(s))
		case "max-numbers-per-org":
			fs.IntVar(&c.MaxNumbersPerOrg, s.Flag, envInt(s.Env, s.Default), usage(s))
		case "price-number-monthly-micros":
			fs.Int64Var(&c.PriceNumberMonthlyMicros, s.Flag, int64(envInt(s.Env, s.Default)), usage(s))
		case "price-outbound-minute-micros":
			fs.Int64Var(&c.PriceOutboundMinuteMicros, s.Flag, int64(envInt(s.Env, s.Default)), usage(s))
		case "price-inbound-minute-micros":
			fs.Int64Var(&c.PriceInboundMinuteMicros, s.Flag, int64(envInt(s.Env, s.Default)), usage(s))
		case "price-outbound-segment-micros":
			fs.Int64Var(&c.PriceOutboundSegmentMicros, s.Flag, int64(envInt(s.Env, s.Default)), usage(s))
		case "price-inbound-segment-micros":
			fs.Int64Var(&c.PriceInboundSegmentMicros, s.Flag, int64(envInt(s.Env, s.Default)), usage(s))
		case "max-concurrent-calls":
			fs.IntVar(&c.MaxConcurrentCalls, s.Flag, envInt(s.Env, s.Default), usage(s))
		case "max-queued-calls":
			fs.IntVar(&c.MaxQueuedCalls, s.Flag, envInt(s.Env, s.Default), usage(s))
		case "event-retention-days":
			fs.IntVar(&c.EventRetentionDays, s.Flag, envInt(s.Env, s.Default), usage(s))
		case "sandbox-time-scale":
			fs.Float64Var(&c.SandboxTimeScale, s.Flag, envFloat(s.Env, s.Default), usage(s))
		case "recordings-dir":
			fs.StringVar(&c.RecordingsDir, s.Flag, envOr(s.Env, s.Default), usage(s))
		case "log-format":
			fs.StringVar(&c.LogFormat, s.Flag, envOr(s.Env, s.Default), usage(s))
		case "allow-http-webhooks":
			fs.BoolVar(&c.AllowHTTPWebhooks, s.Flag, envBool(s.Env, s.Default), usage(s))
		case "allow-private-webhooks":
			fs.BoolVar(&c.AllowPrivateWebhooks, s.Flag, envBool(s.Env, s.Default), usage(s))
		}
	}
}

func usage(s Setting) string { return s.Usage + " (env " + s.Env + ")" }

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// envInt returns the environment variable as an int, or -1 when it is set but not a number so
// that Validate reports it.
func envInt(name, def string) int {
	n, err := strconv.Atoi(envOr(name, def))
	if err != nil {
		return -1
	}
	return n
}

// envFloat is like envInt for a decimal number; -1 when it does not parse.
func envFloat(name, def string) float64 {
	f, err := strconv.ParseFloat(envOr(name, def), 64)
	if err != nil {
		return -1
	}
	return f
}

// envBool returns the environment variable as a bool (1, t, true, 0, f, false…); a value
// that is not one is false here, and Validate reports it.
func envBool(name, def string) bool {
	b, _ := strconv.ParseBool(envOr(name, def))
	return b
}

// ValidateStorage checks the database settings.
func (c *Config) ValidateStorage() error {
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return fmt.Errorf("--database-url must be a postgres:// or postgresql:// URL")
		}
		return nil
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return fmt.Errorf("--data-dir must not be empty")
	}
	return nil
}

// Validate checks every setting and says which one is wrong.
func (c *Config) Validate() error {
	if err := c.ValidateStorage(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q is not host:port: %v", c.Addr, err)
	}
	if c.ReadsPerMinute < 1 {
		return fmt.Errorf("--rate-limit-reads-per-minute must be a positive integer")
	}
	if c.WritesPerMinute < 1 {
		return fmt.Errorf("--rate-limit-writes-per-minute must be a positive integer")
	}
	if c.MaxNumbersPerOrg < 1 {
		return fmt.Errorf("--max-numbers-per-org must be a positive integer")
	}
	if c.EventRetentionDays < 1 || c.EventRetentionDays > 3650 {
		return fmt.Errorf("--event-retention-days must be an integer from 1 to 3650")
	}
	for _, v := range []struct {
		flag string
		n    int64
	}{
		{"price-number-monthly-micros", c.PriceNumberMonthlyMicros},
		{"price-outbound-minute-micros", c.PriceOutboundMinuteMicros},
		{"price-inbound-minute-micros", c.PriceInboundMinuteMicros},
		{"price-outbound-segment-micros", c.PriceOutboundSegmentMicros},
		{"price-inbound-segment-micros", c.PriceInboundSegmentMicros},
		{"max-concurrent-calls", int64(c.MaxConcurrentCalls)},
		{"max-queued-calls", int64(c.MaxQueuedCalls)},
	} {
		if v.n < 1 {
			return fmt.Errorf("--%s must be a positive integer", v.flag)
		}
	}
	if !(c.SandboxTimeScale > 0 && c.SandboxTimeScale <= 1) {
		return fmt.Errorf("--sandbox-time-scale must be greater than 0 and at most 1, not %v", c.SandboxTimeScale)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat)
	}
	for _, env := range []string{"DIALTONE_ALLOW_HTTP_WEBHOOKS", "DIALTONE_ALLOW_PRIVATE_WEBHOOKS"} {
		if v, ok := os.LookupEnv(env); ok {
			if _, err := strconv.ParseBool(v); err != nil {
				return fmt.Errorf("%s must be true or false, not %q", env, v)
			}
		}
	}
	if c.SecretKey == "" && c.DatabaseURL != "" {
		return fmt.Errorf("--secret-key (or DIALTONE_SECRET_KEY) is required with --database-url: every server sharing the database must seal secrets with the same key; generate one with `openssl rand -base64 32`")
	}
	if c.SecretKey != "" {
		if _, err := secretbox.ParseKey(c.SecretKey); err != nil {
			return fmt.Errorf("--secret-key: %v", err)
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("--public-url must be an absolute URL such as https://dialtone.example.com")
		}
	}
	if u, err := url.Parse(c.TwilioAPIURL); c.TwilioAPIURL != "" && (err != nil || u.Scheme == "" || u.Host == "") {
		return fmt.Errorf("--twilio-api-url must be an absolute URL such as https://api.twilio.com")
	}
	return nil
}
