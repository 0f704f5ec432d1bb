// Package loadtest holds the acceptance tests that drive a whole feature at volume through the
// real HTTP server on a loopback port: bounded in count and time, and in a package of their
// own so that they run beside the other packages' tests rather than after them.
package loadtest
