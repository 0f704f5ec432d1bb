// Package dialtone is the domain of Dialtone, a self-hosted platform that gives AI agents phone
// numbers, voice calls and text messages.
//
// This package holds what every other package shares: the resource types, their limits, the
// identifiers, and the one error type with its catalogue. It imports only the standard library;
// everything else in the module points inward to it.
package dialtone
