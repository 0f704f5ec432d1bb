package client

import "time"

// Test hooks: the waits between retries and the backoff's random draw.
var (
	WithSleep    = withSleep
	WithJitter   = withJitter
	SleepContext = sleepContext
	RetryAfter   = retryAfter
)

// Backoff returns the wait before retry number attempt.
func (c *Client) Backoff(attempt int) time.Duration { return c.backoff(attempt) }
